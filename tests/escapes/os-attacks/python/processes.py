"""@attack {"title": "a Python sleeve looks for the runner and its siblings in /proc, signals everything it can, lowers the runner's priority, and ptraces pid 1", "command": ["python3", "{entry}"], "expect": "refused", "osOnly": true, "victim": true}"""
import ctypes
import os
import signal

from _attempts import attempt, finish

me = os.getpid()
libc = ctypes.CDLL(None, use_errno=True)


def others():
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (me, 1)]
    seen = []
    for pid in pids:
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "sleeve-sandbox" in cmd or "victim" in cmd or "node" in cmd:
            seen.append(f"{pid}: {cmd[:80]}")
    return seen or False


def environ_of_others():
    found = []
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) != me:
            try:
                if b"SLEEVE_NAME=victim" in open(f"/proc/{p}/environ", "rb").read():
                    found.append(p)
            except OSError:
                pass
    return found or False


def kill_all():
    os.kill(-1, signal.SIGKILL)  # every process this one may signal, itself excepted
    return "kill(-1) went through"


def kill_init():
    os.kill(1, signal.SIGKILL)
    os.kill(1, 0)  # init of a pid namespace ignores what it has no handler for: still there means refused
    return False


def runner_pids():
    out = []
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and b"sleeve-sandbox" in open(f"/proc/{p}/cmdline", "rb").read():
                out.append(int(p))
        except OSError:
            pass
    return out


def renice_runner():
    pids = runner_pids()
    for pid in pids:
        os.setpriority(os.PRIO_PROCESS, pid, 19)
    return f"lowered the priority of {pids}" if pids else False


def ptrace_init():
    PTRACE_ATTACH = 16
    if libc.ptrace(PTRACE_ATTACH, 1, None, None) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return "attached to pid 1"


attempt("see the runner or a sibling in /proc", others)
attempt("read a sibling's environment", environ_of_others)
attempt("ptrace pid 1", ptrace_init)
attempt("renice the runner", renice_runner)
attempt("signal pid 1", kill_init)
attempt("signal every process", kill_all)
finish()
