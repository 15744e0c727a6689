"""low_vol: the least volatile names of each sector, inverse-volatility weights (Python, standard library only).

Signal: annualised volatility of the last 126 daily log returns; the two calmest names of
each sector, then the calmest overall up to the count; weights proportional to 1/volatility.
"""
import argparse
import os
import sys

from lakehouse import (check_isolation, inverse_vol_weights, load_closes, load_universe, log_returns,
                       write_json, write_text)

parser = argparse.ArgumentParser()
parser.add_argument("--window", type=int, default=126)
parser.add_argument("--count", type=int, default=12)
args = parser.parse_args()
if args.window < 20:
    sys.exit(f"--window {args.window}: expected at least 20 days")

strict = check_isolation()
by_sector, as_of = {}, None
for entry in load_universe():
    dates, closes = load_closes(entry["symbol"])
    as_of = dates[-1]
    rets = log_returns(closes[-(args.window + 1):])
    mean = sum(rets) / len(rets)
    vol = (sum((r - mean) ** 2 for r in rets) / (len(rets) - 1)) ** 0.5 * 252 ** 0.5
    by_sector.setdefault(entry["sector"], []).append({"symbol": entry["symbol"], "sector": entry["sector"], "vol": round(vol, 6)})

picked = []
for sector in sorted(by_sector):
    picked.extend(sorted(by_sector[sector], key=lambda s: s["vol"])[:2])
picked = sorted(picked, key=lambda s: (s["vol"], s["symbol"]))[: args.count]
weights = inverse_vol_weights({s["symbol"]: s["vol"] for s in picked}, 0.25)
portfolio_vol = sum(weights[s["symbol"]] * s["vol"] for s in picked)

write_json("portfolio_candidates.json", {
    "version": 1, "sleeve": "low_vol", "source": "sleeve", "asOf": as_of,
    "signal": f"annualised volatility of {args.window} daily log returns (lowest first, two per sector)",
    "symbols": [s["symbol"] for s in picked], "candidates": picked,
})
write_json("report.json", {
    "version": 1, "sleeve": "low_vol", "strategy": "sector-balanced low volatility", "asOf": as_of,
    "strictIsolation": strict, "params": {"window": args.window, "count": args.count},
    "weights": {s: round(w, 6) for s, w in sorted(weights.items(), key=lambda kv: -kv[1])},
    "upperBoundVol": round(portfolio_vol, 6), "runId": os.environ.get("TV_RUN_ID"),
})
write_text("report.md", f"# low_vol ({as_of})\n\n{len(picked)} names, volatility at most {portfolio_vol:.1%} (sum of weighted vols)\n")
print(f"low_vol: {len(picked)} names across {len(by_sector)} sectors")
