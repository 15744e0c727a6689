"""@attack {"title": "a Python fork bomb: fork sleeping children until the kernel refuses (the sandbox's process limit), never the machine's", "command": ["python3", "{entry}"], "expect": "refused", "osOnly": true}"""
import os
import time

from _attempts import attempt, finish

LIMIT_PLUS = 300  # more than the sandbox's RLIMIT_NPROC (256): reaching it means no limit held


def bomb():
    children = 0
    try:
        while children < LIMIT_PLUS:
            pid = os.fork()
            if pid == 0:
                time.sleep(3)
                os._exit(0)
            children += 1
    except OSError as err:
        print(f"fork refused after {children} children: {err}", flush=True)
        return False
    return f"{children} processes and the kernel never said no"


attempt("fork past the sandbox's process limit", bomb)
finish()
