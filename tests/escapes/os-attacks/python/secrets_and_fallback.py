"""@attack {"title": "a Python sleeve reads secrets/, the shared candidates fallback and the workspace by every path it can spell (.., /proc/self/root, /proc/self/cwd, fds) and copies what it finds into its run dir", "command": ["python3", "{entry}"], "expect": "refused", "osOnly": true}"""
import os

from _attempts import attempt, finish

ws = os.environ["SLEEVE_WORKSPACE"]
run = os.environ["SLEEVE_RUN_DIR"]


def steal(path):
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        return False  # the mask: an empty file
    with open(f"{run}/loot-{len(os.listdir(run))}", "wb") as f:
        f.write(data)
    return f"{len(data)} bytes from {path}"


for spelling in [f"{ws}/secrets/token.txt", f"{run}/../../secrets/token.txt", "/proc/self/root" + f"{ws}/secrets/token.txt", "/proc/self/cwd/secrets/token.txt", "secrets/token.txt"]:
    attempt(f"read {spelling}", lambda p=spelling: steal(p))
for spelling in [f"{ws}/data/lakehouse/portfolio_candidates.json", "/proc/self/cwd/data/lakehouse/portfolio_candidates.json"]:
    attempt(f"read the fallback at {spelling}", lambda p=spelling: steal(p))
attempt("list the workspace root beyond what the policy grants", lambda: [n for n in os.listdir(ws) if n not in ("data", "runs", "sleeves")] or False)
attempt("list runs/", lambda: [n for n in os.listdir(f"{ws}/runs") if n != "attacker"] or False)
attempt("read /etc/shadow", lambda: steal("/etc/shadow"))
attempt("read the host's /root", lambda: os.listdir("/root") or False)
attempt("users of the host in /etc/passwd", lambda: [l for l in open("/etc/passwd").read().splitlines() if not l.split(":")[0] in ("root", "sleeve", "nobody")] or False)
finish()
