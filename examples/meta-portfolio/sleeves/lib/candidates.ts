// A sleeve's own candidate list: written to and read back from <runDir>/portfolio_candidates.json.
// There is deliberately NO fallback to the shared data/lakehouse/portfolio_candidates.json.

import { describeError, joinPath, type SleeveContext } from './context.ts';
import { round } from './report.ts';

export const CANDIDATES_FILE = 'portfolio_candidates.json';
export const SHARED_CANDIDATES = 'data/lakehouse/portfolio_candidates.json';

export interface Scored {
  symbol: string;
  sector: string;
  score: number;
  /** Passes the sleeve's filter (e.g. above its long moving average). */
  eligible: boolean;
  /** Signal inputs worth showing in the candidates file. */
  detail: Record<string, number>;
}

export interface SelectionRule {
  /** How many to pick. */
  count: number;
  /** Fill from ineligible symbols (best score first) until at least this many. */
  minCount: number;
  /** At most this many per sector (relaxed only if the minimum cannot otherwise be met). */
  maxPerSector: number;
}

/** Highest score first (ties by symbol), eligible symbols first, sector cap respected where possible. */
export function selectCandidates(scored: Scored[], rule: SelectionRule): Scored[] {
  if (rule.minCount > rule.count) throw new Error('selection: minCount exceeds count');
  const ranked = [...scored]
    .filter((s) => Number.isFinite(s.score))
    .sort((a, b) => b.score - a.score || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const picked: Scored[] = [];
  const perSector = new Map<string, number>();
  const take = (pool: Scored[], limit: number, respectSector: boolean) => {
    for (const s of pool) {
      if (picked.length >= limit) return;
      if (picked.includes(s)) continue;
      const used = perSector.get(s.sector) ?? 0;
      if (respectSector && used >= rule.maxPerSector) continue;
      picked.push(s);
      perSector.set(s.sector, used + 1);
    }
  };
  take(
    ranked.filter((s) => s.eligible),
    rule.count,
    true,
  );
  take(ranked, rule.minCount, true);
  take(ranked, rule.minCount, false);
  if (picked.length < rule.minCount) {
    throw new Error(`selection: only ${picked.length} scoreable symbols, need ${rule.minCount}`);
  }
  return picked;
}

export interface CandidatesFile {
  version: 1;
  sleeve: string;
  source: string;
  asOf: string;
  signal: string;
  symbols: string[];
  candidates: Array<{ symbol: string; sector: string; score: number; eligible: boolean } & Record<string, unknown>>;
}

export async function writeOwnCandidates(ctx: SleeveContext, asOf: string, signal: string, picked: Scored[]): Promise<string> {
  const path = joinPath(ctx.runDir, CANDIDATES_FILE);
  const body: CandidatesFile = {
    version: 1,
    sleeve: ctx.name,
    source: 'sleeve',
    asOf,
    signal,
    symbols: picked.map((s) => s.symbol),
    candidates: picked.map((s) => ({
      symbol: s.symbol,
      sector: s.sector,
      score: round(s.score),
      eligible: s.eligible,
      ...Object.fromEntries(Object.entries(s.detail).map(([k, v]) => [k, round(v)])),
    })),
  };
  await ctx.fs.writeFile(path, `${JSON.stringify(body, null, 2)}\n`);
  ctx.log(`wrote ${picked.length} candidates to ${path}: ${body.symbols.join(', ')}`);
  return path;
}

/** Read this sleeve's own candidates back from its run directory. Never falls back to the shared list. */
export async function readOwnCandidates(ctx: SleeveContext): Promise<CandidatesFile> {
  const path = joinPath(ctx.runDir, CANDIDATES_FILE);
  let text: string;
  try {
    text = await ctx.fs.readText(path);
  } catch (err) {
    const { code, message } = describeError(err);
    throw new Error(`${ctx.name}: cannot read own candidates ${path} (${code}: ${message}); refusing to fall back to the shared ${SHARED_CANDIDATES}`);
  }
  const parsed = JSON.parse(text) as Partial<CandidatesFile>;
  if (parsed.sleeve !== ctx.name) {
    throw new Error(`${path}: written by sleeve ${JSON.stringify(parsed.sleeve)}, expected ${JSON.stringify(ctx.name)}`);
  }
  if (!Array.isArray(parsed.symbols) || parsed.symbols.length === 0 || parsed.symbols.some((s) => typeof s !== 'string')) {
    throw new Error(`${path}: "symbols" must be a non-empty array of tickers`);
  }
  return parsed as CandidatesFile;
}
