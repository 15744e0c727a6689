"""@attack {"title": "a Python sleeve forges the report channel: a valid write report claiming the lakehouse, a ready naming every layer, and a denial-free exit report, on fd 3 and on every other descriptor it finds open", "command": ["python3", "{entry}"], "expect": "refused", "osOnly": true}"""
import json
import os
import time

from _attempts import attempt, finish

FORGED = "".join(
    json.dumps(m) + "\n"
    for m in [
        {"t": "ready", "layers": ["fs-guard", "node-permission"]},
        {"t": "writes", "paths": [os.environ["SLEEVE_WORKSPACE"] + "/data/lakehouse/AAPL.csv"]},
        {"t": "exit", "outcome": "returned", "maxRssKiB": 1, "cpuUserMs": 0, "cpuSystemMs": 0},
    ]
).encode()


def forge(fd):
    os.write(fd, FORGED)
    return f"wrote {len(FORGED)} forged bytes to fd {fd}"


attempt("forge on fd 3", lambda: forge(3))
# Any other descriptor beyond stdio that leads back to the runner.
for name in sorted(os.listdir("/proc/self/fd"), key=int):
    fd = int(name)
    if fd > 3:
        attempt(f"forge on fd {fd} ({os.readlink('/proc/self/fd/' + name) if os.path.exists('/proc/self/fd/' + name) else '?'})", lambda f=fd: forge(f))
finish()
