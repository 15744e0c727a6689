"""@attack {"title": "a Python sleeve opens device files (disks, memory, kernel log, the terminal), fills /dev/shm and pushes keystrokes with TIOCSTI", "command": ["python3", "{entry}"], "expect": "refused", "osOnly": true}"""
import fcntl
import glob
import os
import termios

from _attempts import attempt, finish


def open_dev(path):
    fd = os.open(path, os.O_RDWR)
    os.close(fd)
    return f"opened {path}"


def fill(path, mib):
    written = 0
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(b"x" * (1 << 20))
            f.flush()
            written += 1
    os.unlink(path)
    return f"wrote {written} MiB of memory at {path}"


def tiocsti(fd):
    fcntl.ioctl(fd, termios.TIOCSTI, b"x")
    return f"TIOCSTI on fd {fd}"


for dev in ["/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/tty", "/dev/console", "/dev/tty1"]:
    attempt(f"open {dev}", lambda d=dev: open_dev(d))
attempt("fill /dev/shm past its 64 MiB (memory outside every limit)", lambda: fill("/dev/shm/fill", 80))
attempt("write into /dev", lambda: fill("/dev/fill", 1))
attempt("block devices in /dev", lambda: glob.glob("/dev/sd*") + glob.glob("/dev/vd*") + glob.glob("/dev/nvme*") or False)
for fd in (0, 1, 2):
    attempt(f"TIOCSTI on fd {fd}", lambda f=fd: tiocsti(f))
finish()
