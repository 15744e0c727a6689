// Reading the shared lakehouse through ctx.fs: universe.json and the per-symbol OHLCV CSVs.

import { joinPath, type SleeveContext } from './context.ts';

export const LAKEHOUSE_DIR = 'data/lakehouse';
export const OHLCV_DIR = `${LAKEHOUSE_DIR}/ohlcv`;
export const UNIVERSE_FILE = `${LAKEHOUSE_DIR}/universe.json`;

export interface UniverseEntry {
  symbol: string;
  name: string;
  sector: string;
}

export interface Bars {
  dates: string[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

/** Close prices of several symbols on a common calendar (the dates every symbol has). */
export interface Panel {
  dates: string[];
  symbols: string[];
  sectors: Record<string, string>;
  /** close[symbol][t], aligned on `dates`. */
  close: Record<string, number[]>;
  volume: Record<string, number[]>;
}

const HEADER = ['date', 'open', 'high', 'low', 'close', 'volume'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const SYMBOL_RE = /^[A-Z][A-Z0-9.-]{0,9}$/;

/** Parse an OHLCV CSV (header `date,open,high,low,close,volume`). Throws with file:line on bad input. */
export function parseOhlcvCsv(text: string, source: string): Bars {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  if (header.join(',') !== HEADER.join(',')) {
    throw new Error(`${source}:1: expected header "${HEADER.join(',')}", got "${lines[0] ?? ''}"`);
  }
  const bars: Bars = { dates: [], open: [], high: [], low: [], close: [], volume: [] };
  let previous = '';
  for (let i = 1; i < lines.length; i++) {
    const cells = (lines[i] ?? '').split(',');
    if (cells.length !== HEADER.length) {
      throw new Error(`${source}:${i + 1}: expected ${HEADER.length} fields, got ${cells.length}`);
    }
    const [date = '', ...rest] = cells;
    if (!DATE_RE.test(date)) throw new Error(`${source}:${i + 1}: bad date "${date}"`);
    if (date <= previous) throw new Error(`${source}:${i + 1}: dates not strictly increasing at ${date}`);
    previous = date;
    const nums = rest.map((cell) => Number(cell));
    if (nums.some((n) => !Number.isFinite(n) || n < 0)) {
      throw new Error(`${source}:${i + 1}: non-numeric or negative value in "${lines[i]}"`);
    }
    const [open = 0, high = 0, low = 0, close = 0, volume = 0] = nums;
    if (close <= 0) throw new Error(`${source}:${i + 1}: close must be positive`);
    bars.dates.push(date);
    bars.open.push(open);
    bars.high.push(high);
    bars.low.push(low);
    bars.close.push(close);
    bars.volume.push(volume);
  }
  if (bars.dates.length === 0) throw new Error(`${source}: no rows`);
  return bars;
}

export async function loadUniverse(ctx: SleeveContext): Promise<UniverseEntry[]> {
  const raw = JSON.parse(await ctx.fs.readText(UNIVERSE_FILE)) as { symbols?: unknown };
  if (!Array.isArray(raw.symbols)) throw new Error(`${UNIVERSE_FILE}: "symbols" must be an array`);
  const seen = new Set<string>();
  return raw.symbols.map((entry: unknown, i: number) => {
    const e = entry as Partial<UniverseEntry>;
    if (typeof e.symbol !== 'string' || !SYMBOL_RE.test(e.symbol)) {
      throw new Error(`${UNIVERSE_FILE}: symbols[${i}].symbol is not a ticker: ${JSON.stringify(e.symbol)}`);
    }
    if (seen.has(e.symbol)) throw new Error(`${UNIVERSE_FILE}: duplicate symbol ${e.symbol}`);
    seen.add(e.symbol);
    return { symbol: e.symbol, name: typeof e.name === 'string' ? e.name : e.symbol, sector: e.sector ?? 'Unknown' };
  });
}

/**
 * Load the universe and every symbol's bars, keeping the dates all of them share.
 * Symbols listed in universe.json without a CSV are skipped with a log line.
 */
export async function loadPanel(ctx: SleeveContext): Promise<Panel> {
  const universe = await loadUniverse(ctx);
  const files = new Set(await ctx.fs.readdir(OHLCV_DIR));
  const bars = new Map<string, Bars>();
  const sectors: Record<string, string> = {};
  for (const { symbol, sector } of universe) {
    const file = `${symbol}.csv`;
    if (!files.has(file)) {
      ctx.log(`universe symbol ${symbol} has no ${OHLCV_DIR}/${file}; skipped`);
      continue;
    }
    const path = joinPath(OHLCV_DIR, file);
    bars.set(symbol, parseOhlcvCsv(await ctx.fs.readText(path), path));
    sectors[symbol] = sector;
  }
  if (bars.size === 0) throw new Error(`no OHLCV data found under ${OHLCV_DIR}`);

  // Common calendar: dates present for every symbol, in order.
  let common: Set<string> | undefined;
  for (const b of bars.values()) {
    const dates = new Set(b.dates);
    common = common === undefined ? dates : new Set([...common].filter((d) => dates.has(d)));
  }
  const dates = [...(common ?? [])].sort();
  const close: Record<string, number[]> = {};
  const volume: Record<string, number[]> = {};
  for (const [symbol, b] of bars) {
    const index = new Map(b.dates.map((d, i) => [d, i]));
    close[symbol] = dates.map((d) => b.close[index.get(d) ?? -1] ?? Number.NaN);
    volume[symbol] = dates.map((d) => b.volume[index.get(d) ?? -1] ?? Number.NaN);
  }
  const symbols = [...bars.keys()];
  ctx.log(`loaded ${symbols.length} symbols x ${dates.length} dates (${dates[0]} .. ${dates[dates.length - 1]})`);
  return { dates, symbols, sectors, close, volume };
}
