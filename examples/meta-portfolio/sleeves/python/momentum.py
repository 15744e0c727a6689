"""momentum: 12-1 month price momentum, inverse-volatility weights (Python, standard library only).

Signal: the log return from 252 to 21 trading days ago; the top names by signal, at most
three per sector; weights proportional to 1/volatility of daily returns, capped per name.
"""
import argparse
import json
import os

from lakehouse import (check_isolation, inverse_vol_weights, load_closes, load_universe, log_returns,
                       run_dir, stdev, write_json, write_text)

parser = argparse.ArgumentParser()
parser.add_argument("--count", type=int, default=10)
parser.add_argument("--max-weight", type=float, default=0.2)
args = parser.parse_args()

strict = check_isolation()
universe = load_universe()
scored = []
as_of = None
for entry in universe:
    dates, closes = load_closes(entry["symbol"])
    as_of = dates[-1]
    if len(closes) < 253:
        continue
    signal = (closes[-22] / closes[-253]) - 1
    vol = stdev(log_returns(closes[-64:])) * (252 ** 0.5)
    scored.append({"symbol": entry["symbol"], "sector": entry["sector"], "score": round(signal, 6), "vol": round(vol, 6)})

scored.sort(key=lambda s: (-s["score"], s["symbol"]))
picked, per_sector = [], {}
for s in scored:
    if len(picked) == args.count:
        break
    if per_sector.get(s["sector"], 0) >= 3:
        continue
    picked.append(s)
    per_sector[s["sector"]] = per_sector.get(s["sector"], 0) + 1

weights = inverse_vol_weights({s["symbol"]: s["vol"] for s in picked}, args.max_weight)
write_json("portfolio_candidates.json", {
    "version": 1, "sleeve": "momentum", "source": "sleeve", "asOf": as_of,
    "signal": "close[t-21] / close[t-252] - 1",
    "symbols": [s["symbol"] for s in picked], "candidates": picked,
})
# Read back our own candidates: under strict isolation there is no fallback to the shared file.
with open(os.path.join(run_dir(), "portfolio_candidates.json"), encoding="utf-8") as f:
    own = json.load(f)
report = {
    "version": 1, "sleeve": "momentum", "strategy": "12-1 month momentum", "asOf": as_of, "strictIsolation": strict,
    "params": {"count": args.count, "maxWeight": args.max_weight},
    "weights": {s: round(w, 6) for s, w in sorted(weights.items(), key=lambda kv: -kv[1])},
    "candidates": own["symbols"],
}
write_json("report.json", report)
rows = "\n".join(f"| {s} | {w:.2%} |" for s, w in report["weights"].items())
write_text("report.md", f"# momentum ({as_of})\n\n| symbol | weight |\n|---|---|\n{rows}\n")
print(f"momentum: {len(picked)} names, top {picked[0]['symbol']} ({picked[0]['score']:+.1%})")
