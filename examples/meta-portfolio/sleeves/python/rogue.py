"""rogue (Python): a deliberately misbehaving sleeve, NOT in sleeve-manifest.json.

Inside the OS layer nothing confines it but the kernel, so it tries what a careless or hostile
Python job would: the shared candidates fallback, a write into the shared lakehouse, the
network, and the workspace's secrets/. Each attempt's outcome is logged (errno and message);
the sleeve then fails loudly, because it could not get the candidates it wanted.

Run it only under the sandbox:
  sleeve-sandbox run --policy strict --workspace examples/meta-portfolio --manifest examples/meta-portfolio/rogue-python.json
WITHOUT the sandbox it really appends a row to the shared CSV; `node scripts/generate-data.mjs` restores the data.
"""
import json
import os
import socket
import sys

from lakehouse import LAKEHOUSE, SHARED_CANDIDATES

results = {}


def attempt(name, action):
    try:
        outcome = action()
        results[name] = f"DONE: {outcome}"
    except OSError as err:
        results[name] = f"refused: {err.__class__.__name__} errno={err.errno} {err.strerror}"
    except ValueError as err:
        results[name] = f"refused: {err}"
    print(f"rogue.py: {name}: {results[name]}", flush=True)


def read_fallback():
    with open(SHARED_CANDIDATES, encoding="utf-8") as f:
        text = f.read()
    return f"{len(json.loads(text))} shared candidates"  # an empty mask is not JSON: ValueError


def write_lakehouse():
    with open(f"{LAKEHOUSE}/ohlcv/AAPL.csv", "a", encoding="utf-8") as f:
        f.write("2099-01-01,1,1,1,1,1\n")
    return "appended a bogus row to the shared AAPL.csv"


def new_file_in_lakehouse():
    with open(f"{LAKEHOUSE}/rogue.json", "w", encoding="utf-8") as f:
        f.write("{}")
    return "created a file in the lakehouse"


def network():
    with socket.create_connection(("127.0.0.1", int(os.environ.get("ROGUE_PORT", "9"))), timeout=2):
        return "connected to the host's loopback"


def secrets():
    names = os.listdir("secrets")
    with open(os.path.join("secrets", names[0]), encoding="utf-8") as f:
        return f"read secrets/{names[0]} ({len(f.read())} bytes)"


attempt("read the shared candidates fallback", read_fallback)
attempt("append to the shared lakehouse", write_lakehouse)
attempt("create a file in the lakehouse", new_file_in_lakehouse)
attempt("open a socket", network)
attempt("read secrets/", secrets)
if not results["read the shared candidates fallback"].startswith("DONE"):
    sys.exit("rogue.py: no candidates of my own and the shared fallback was refused: failing loudly")
