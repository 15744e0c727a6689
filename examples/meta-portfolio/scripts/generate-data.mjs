#!/usr/bin/env node
// Deterministic synthetic lakehouse for the meta-portfolio example.
//
//   node scripts/generate-data.mjs [--out DIR] [--seed N]
//
// Writes, under DIR (default: <this workspace>/data/lakehouse):
//   ohlcv/<SYMBOL>.csv          daily OHLCV, business days 2023-01-02 .. 2024-12-31
//   universe.json               the symbols with their sector
//   portfolio_candidates.json   the SHARED fallback candidate list (strict policy denies reading it)
//
// No dependencies, no clock, no locale: the same seed gives byte-identical files on every run.
// Prices follow a geometric random walk driven by one market factor, one factor per sector and
// an idiosyncratic shock, with per-symbol drift and volatility.

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_SEED = 20230102;
const START = '2023-01-02';
const END = '2024-12-31';
const TRADING_DAYS = 252;

// symbol, name, sector, annual drift, annual total vol, market beta, base price, base volume (shares/day)
const UNIVERSE = [
  ['AAPL', 'Apple Inc.', 'Technology', 0.18, 0.26, 1.1, 130, 70_000_000],
  ['MSFT', 'Microsoft Corp.', 'Technology', 0.2, 0.25, 1.05, 240, 28_000_000],
  ['NVDA', 'NVIDIA Corp.', 'Technology', 0.45, 0.5, 1.6, 145, 45_000_000],
  ['GOOGL', 'Alphabet Inc. Class A', 'Technology', 0.16, 0.29, 1.1, 89, 32_000_000],
  ['META', 'Meta Platforms Inc.', 'Technology', 0.3, 0.38, 1.3, 125, 22_000_000],
  ['ADBE', 'Adobe Inc.', 'Technology', 0.08, 0.32, 1.2, 335, 3_500_000],
  ['CRM', 'Salesforce Inc.', 'Technology', 0.14, 0.33, 1.2, 135, 7_000_000],
  ['JPM', 'JPMorgan Chase & Co.', 'Financials', 0.14, 0.22, 1.0, 135, 10_000_000],
  ['BAC', 'Bank of America Corp.', 'Financials', 0.06, 0.27, 1.15, 33, 40_000_000],
  ['GS', 'Goldman Sachs Group Inc.', 'Financials', 0.12, 0.26, 1.2, 345, 2_500_000],
  ['V', 'Visa Inc. Class A', 'Financials', 0.11, 0.19, 0.9, 210, 6_500_000],
  ['MA', 'Mastercard Inc. Class A', 'Financials', 0.12, 0.2, 0.95, 350, 3_000_000],
  ['JNJ', 'Johnson & Johnson', 'Health Care', 0.02, 0.16, 0.55, 177, 7_000_000],
  ['UNH', 'UnitedHealth Group Inc.', 'Health Care', 0.05, 0.22, 0.65, 530, 3_500_000],
  ['PFE', 'Pfizer Inc.', 'Health Care', -0.08, 0.24, 0.6, 51, 30_000_000],
  ['MRK', 'Merck & Co. Inc.', 'Health Care', 0.07, 0.19, 0.5, 111, 8_000_000],
  ['ABBV', 'AbbVie Inc.', 'Health Care', 0.09, 0.21, 0.55, 161, 6_000_000],
  ['AMZN', 'Amazon.com Inc.', 'Consumer Discretionary', 0.22, 0.33, 1.25, 85, 55_000_000],
  ['HD', 'Home Depot Inc.', 'Consumer Discretionary', 0.08, 0.22, 1.0, 316, 3_800_000],
  ['MCD', "McDonald's Corp.", 'Consumer Discretionary', 0.04, 0.17, 0.6, 263, 3_000_000],
  ['KO', 'Coca-Cola Co.', 'Consumer Staples', 0.03, 0.14, 0.5, 64, 13_000_000],
  ['PG', 'Procter & Gamble Co.', 'Consumer Staples', 0.05, 0.15, 0.45, 152, 6_500_000],
  ['WMT', 'Walmart Inc.', 'Consumer Staples', 0.15, 0.18, 0.55, 142, 7_000_000],
  ['XOM', 'Exxon Mobil Corp.', 'Energy', 0.05, 0.25, 0.8, 110, 18_000_000],
  ['CVX', 'Chevron Corp.', 'Energy', 0.0, 0.25, 0.85, 180, 9_000_000],
  ['COP', 'ConocoPhillips', 'Energy', 0.04, 0.3, 0.95, 118, 6_500_000],
  ['CAT', 'Caterpillar Inc.', 'Industrials', 0.17, 0.27, 1.1, 240, 3_000_000],
  ['BA', 'Boeing Co.', 'Industrials', -0.05, 0.34, 1.25, 190, 7_500_000],
  ['HON', 'Honeywell International Inc.', 'Industrials', 0.03, 0.19, 0.9, 214, 3_200_000],
  ['UNP', 'Union Pacific Corp.', 'Industrials', 0.06, 0.22, 0.95, 207, 3_000_000],
];

// The shared fallback list: what a sleeve would silently optimise if it lost its own candidates.
const SHARED_CANDIDATES = ['AAPL', 'MSFT', 'AMZN', 'JPM', 'V', 'UNH', 'PG', 'XOM', 'CAT', 'KO'];

const MARKET_VOL = 0.16; // annual vol of the market factor
const SECTOR_VOL = 0.1; // annual vol of each sector factor
const SECTOR_LOADING = 1.0;

/** mulberry32: tiny, fast, well-distributed 32-bit PRNG. Returns floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal via the Marsaglia polar method (only sqrt and log: no trig). */
function normalSource(rand) {
  let spare = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u;
    let v;
    let s;
    do {
      u = 2 * rand() - 1;
      v = 2 * rand() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * m;
    return u * m;
  };
}

/** Small stable hash of a string (FNV-1a) to derive per-symbol seeds. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Monday..Friday between two ISO dates inclusive (UTC arithmetic, no time zone involved). */
function businessDays(start, end) {
  const out = [];
  const last = Date.parse(`${end}T00:00:00Z`);
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= last; t += 86_400_000) {
    const d = new Date(t);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

function parseArgs(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const opts = { out: resolve(here, '..', 'data', 'lakehouse'), seed: DEFAULT_SEED };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out' && argv[i + 1]) opts.out = resolve(argv[++i]);
    else if (arg === '--seed' && argv[i + 1]) opts.seed = Number.parseInt(argv[++i], 10);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node scripts/generate-data.mjs [--out DIR] [--seed N]\n');
      process.exit(0);
    } else {
      process.stderr.write(`generate-data: unknown or incomplete argument: ${arg}\n`);
      process.exit(2);
    }
  }
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) {
    process.stderr.write('generate-data: --seed must be a non-negative integer\n');
    process.exit(2);
  }
  return opts;
}

function generate(seed) {
  const dates = businessDays(START, END);
  const dt = 1 / TRADING_DAYS;
  const sqrtDt = Math.sqrt(dt);

  // Common factors first, from their own streams, so adding a symbol never changes the others.
  const marketZ = normalSource(mulberry32(seed ^ fnv1a('market')));
  const market = dates.map(() => MARKET_VOL * sqrtDt * marketZ());
  const sectors = [...new Set(UNIVERSE.map((u) => u[2]))];
  const sectorShocks = new Map(
    sectors.map((sector) => {
      const z = normalSource(mulberry32(seed ^ fnv1a(`sector:${sector}`)));
      return [sector, dates.map(() => SECTOR_VOL * sqrtDt * z())];
    }),
  );

  const files = new Map();
  for (const [symbol, , sector, drift, vol, beta, basePrice, baseVolume] of UNIVERSE) {
    const rand = mulberry32(seed ^ fnv1a(`symbol:${symbol}`));
    const z = normalSource(rand);
    const systematicVar = (beta * MARKET_VOL) ** 2 + (SECTOR_LOADING * SECTOR_VOL) ** 2;
    const idioVol = Math.sqrt(Math.max(vol * vol - systematicVar, 0.08 * 0.08));
    const totalVar = systematicVar + idioVol * idioVol;
    // Factors have zero mean; the Ito correction keeps the expected simple return at the stated drift.
    const muDaily = (drift - 0.5 * totalVar) * dt;
    const sectorSeries = sectorShocks.get(sector);

    const rows = ['date,open,high,low,close,volume'];
    let prevClose = basePrice * Math.exp(0.05 * z());
    for (let i = 0; i < dates.length; i++) {
      const logRet = muDaily + beta * market[i] + SECTOR_LOADING * sectorSeries[i] + idioVol * sqrtDt * z();
      // Overnight gap is a slice of the day's move plus a little noise; the rest happens intraday.
      const gap = 0.25 * logRet + 0.002 * z();
      const open = prevClose * Math.exp(gap);
      const close = prevClose * Math.exp(logRet);
      const dayRange = (vol / Math.sqrt(TRADING_DAYS)) * 0.6;
      const high = Math.max(open, close) * Math.exp(Math.abs(z()) * dayRange * 0.5);
      const low = Math.min(open, close) * Math.exp(-Math.abs(z()) * dayRange * 0.5);
      const activity = 1 + 25 * Math.abs(logRet) + 0.25 * z();
      const volume = Math.max(Math.round(baseVolume * Math.max(activity, 0.3)), 1000);
      rows.push(`${dates[i]},${open.toFixed(4)},${high.toFixed(4)},${low.toFixed(4)},${close.toFixed(4)},${volume}`);
      prevClose = close;
    }
    files.set(symbol, `${rows.join('\n')}\n`);
  }
  return { dates, files };
}

async function main() {
  const { out, seed } = parseArgs(process.argv.slice(2));
  const { dates, files } = generate(seed);
  const ohlcvDir = join(out, 'ohlcv');
  await mkdir(ohlcvDir, { recursive: true });

  // Remove CSVs of symbols no longer in the universe so the directory matches universe.json.
  const keep = new Set(UNIVERSE.map((u) => `${u[0]}.csv`));
  for (const entry of await readdir(ohlcvDir)) {
    if (entry.endsWith('.csv') && !keep.has(entry)) await rm(join(ohlcvDir, entry));
  }

  for (const [symbol, text] of files) await writeFile(join(ohlcvDir, `${symbol}.csv`), text);

  const universe = {
    version: 1,
    description: 'Synthetic universe for the sleeve-sandbox meta-portfolio example (not market data).',
    generator: 'scripts/generate-data.mjs',
    seed,
    start: dates[0],
    end: dates[dates.length - 1],
    tradingDays: dates.length,
    symbols: UNIVERSE.map(([symbol, name, sector]) => ({ symbol, name, sector })),
  };
  await writeFile(join(out, 'universe.json'), `${JSON.stringify(universe, null, 2)}\n`);

  const shared = {
    version: 1,
    source: 'shared-lakehouse-fallback',
    description: 'Shared fallback candidate list. A sleeve must use its own runs/<id>/portfolio_candidates.json; the strict policy denies reading this file.',
    asOf: dates[dates.length - 1],
    symbols: SHARED_CANDIDATES,
  };
  await writeFile(join(out, 'portfolio_candidates.json'), `${JSON.stringify(shared, null, 2)}\n`);

  process.stdout.write(
    `generate-data: ${files.size} symbols x ${dates.length} business days (${dates[0]} .. ${dates[dates.length - 1]}), seed ${seed} -> ${out}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`generate-data: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
