"""@attack {"title": "a Python sleeve remounts the lakehouse read-write, unmounts the mask over the fallback, chroots, joins pid 1's namespaces and unshares a user namespace to try again", "command": ["python3", "{entry}"], "expect": "refused", "osOnly": true}"""
import ctypes
import os

from _attempts import attempt, finish

libc = ctypes.CDLL(None, use_errno=True)
ws = os.environ["SLEEVE_WORKSPACE"]
lake = f"{ws}/data/lakehouse"
MS_REMOUNT, MS_BIND = 32, 4096
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000


def check(rc):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def remount_rw():
    check(libc.mount(None, lake.encode(), None, MS_REMOUNT | MS_BIND, None))
    with open(f"{lake}/AAPL.csv", "a") as f:
        f.write("x\n")
    return "remounted the lakehouse read-write and wrote it"


def unmask():
    check(libc.umount2(f"{lake}/portfolio_candidates.json".encode(), 2))
    data = open(f"{lake}/portfolio_candidates.json").read()
    return data or False


def setns_init():
    fd = os.open("/proc/1/ns/mnt", os.O_RDONLY)
    check(libc.setns(fd, 0))
    return "joined pid 1's mount namespace"


def in_new_userns():
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS))
    # Root of a namespace of our own: the sandbox's mounts are locked to us all the same.
    for action in (remount_rw, unmask):
        try:
            return action()
        except OSError:
            continue
    return False


attempt("remount the lakehouse read-write", remount_rw)
attempt("unmount the mask over the fallback", unmask)
attempt("chroot", lambda: os.chroot("/") or "chrooted")
attempt("setns into pid 1's mount namespace", setns_init)
attempt("open the host root through /proc/1/root", lambda: [n for n in os.listdir("/proc/1/root") if n in ("root", "home", "var")] or False)
attempt("unshare a user namespace and retry", in_new_userns)
finish()
