"""@attack {"title": "a Python sleeve writes the lakehouse by every system call it has: open a/w/trunc, create, rename in and out, unlink, symlink, link, chmod, utime, truncate, mkdir, mkfifo", "command": ["python3", "{entry}"], "expect": "refused", "osOnly": true}"""
import os

from _attempts import attempt, finish

ws = os.environ["SLEEVE_WORKSPACE"]
run = os.environ["SLEEVE_RUN_DIR"]
lake = f"{ws}/data/lakehouse"
aapl = f"{lake}/AAPL.csv"


def write(path, mode):
    with open(path, mode) as f:
        f.write("2099-01-01,1\n")
    return f"wrote {path} ({mode})"


attempt("append AAPL.csv", lambda: write(aapl, "a"))
attempt("truncate AAPL.csv by open w", lambda: write(aapl, "w"))
attempt("r+ AAPL.csv", lambda: write(aapl, "r+"))
attempt("create a new lakehouse file", lambda: write(f"{lake}/new.csv", "x"))
attempt("os.open O_WRONLY|O_TRUNC", lambda: os.open(aapl, os.O_WRONLY | os.O_TRUNC))
attempt("rename the fallback out", lambda: os.rename(f"{lake}/portfolio_candidates.json", f"{run}/stolen.json"))
attempt("rename into the lakehouse", lambda: (write(f"{run}/x.csv", "w"), os.rename(f"{run}/x.csv", f"{lake}/x.csv")))
attempt("unlink AAPL.csv", lambda: os.unlink(aapl))
attempt("symlink in the lakehouse", lambda: os.symlink("/etc/passwd", f"{lake}/link"))
attempt("hard link out of the lakehouse", lambda: os.link(aapl, f"{run}/hard.csv") or os.stat(f"{run}/hard.csv").st_nlink)
attempt("chmod AAPL.csv", lambda: os.chmod(aapl, 0o777))
attempt("utime AAPL.csv", lambda: os.utime(aapl, (0, 0)))
attempt("truncate AAPL.csv", lambda: os.truncate(aapl, 0))
attempt("mkdir in the lakehouse", lambda: os.mkdir(f"{lake}/dir"))
attempt("mkfifo in the lakehouse", lambda: os.mkfifo(f"{lake}/fifo"))
attempt("write the workspace root", lambda: write(f"{ws}/root.txt", "w"))
attempt("write another run dir", lambda: write(f"{ws}/runs/other.txt", "w"))
finish()
