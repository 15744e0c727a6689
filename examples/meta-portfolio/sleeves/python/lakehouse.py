"""Shared code of the Python sleeves (standard library only).

Reads the shared lakehouse (universe.json, ohlcv/<SYMBOL>.csv), computes the
statistics the strategies need, and writes a sleeve's own outputs into its run
directory (SLEEVE_RUN_DIR) atomically: a temporary file in TMPDIR (which the
sandbox points into the run directory), then a rename.
"""
import csv
import json
import math
import os
import sys
import tempfile

LAKEHOUSE = "data/lakehouse"
UNIVERSE = f"{LAKEHOUSE}/universe.json"
SHARED_CANDIDATES = f"{LAKEHOUSE}/portfolio_candidates.json"


def run_dir():
    path = os.environ.get("SLEEVE_RUN_DIR")
    if not path:
        sys.exit("SLEEVE_RUN_DIR is not set: run this sleeve with sleeve-sandbox run")
    return path


def check_isolation():
    """The strict policy sets these; a sleeve refuses to run without them rather than guess."""
    source = os.environ.get("PORTFOLIO_DATA_SOURCE")
    if source != "lakehouse_only":
        sys.exit(f"PORTFOLIO_DATA_SOURCE is {source!r}, expected 'lakehouse_only'")
    return os.environ.get("TV_STRICT_ISOLATION") == "1"


def load_universe():
    with open(UNIVERSE, encoding="utf-8") as f:
        return json.load(f)["symbols"]


def load_closes(symbol):
    dates, closes = [], []
    with open(f"{LAKEHOUSE}/ohlcv/{symbol}.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            dates.append(row["date"])
            closes.append(float(row["close"]))
    return dates, closes


def log_returns(closes):
    return [math.log(b / a) for a, b in zip(closes, closes[1:])]


def stdev(xs):
    mean = sum(xs) / len(xs)
    return math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def inverse_vol_weights(vols, cap):
    """Weights proportional to 1/vol, capped at `cap`, the excess spread over the uncapped names."""
    raw = {s: 1.0 / v for s, v in vols.items()}
    weights = {s: w / sum(raw.values()) for s, w in raw.items()}
    for _ in range(len(weights)):
        over = {s for s, w in weights.items() if w > cap + 1e-12}
        if not over:
            break
        excess = sum(weights[s] - cap for s in over)
        free = {s: w for s, w in weights.items() if s not in over and w < cap}
        for s in over:
            weights[s] = cap
        total = sum(free.values())
        for s, w in free.items():
            weights[s] = w + excess * w / total
    return weights


def write_json(name, value):
    write_text(name, json.dumps(value, indent=2) + "\n")


def write_text(name, text):
    target = os.path.join(run_dir(), name)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=os.environ.get("TMPDIR"))
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, target)
    return target
