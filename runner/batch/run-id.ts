import { randomBytes } from 'node:crypto';

/** `<name>_<UTC yyyymmddHHMMss>_<6 hex>`, e.g. `ma_long_20261121235959_a1b2c3`. */
export function generateRunId(name: string, now: Date = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${name.slice(0, 100)}_${stamp}_${randomBytes(3).toString('hex')}`;
}
