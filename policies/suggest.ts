/**
 * "Did you mean": the nearest known name to a mistyped one. Pure; used where a
 * name the user wrote is not found (a policy name, a file in a directory), so
 * the error can name the likely fix instead of only listing what exists.
 */

/** Edit distance (insertions, deletions, substitutions, and a swap of two neighbours count 1). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = v;
    }
  }
  return (d[m] as number[])[n] as number;
}

/**
 * The known name closest to `wanted`, or undefined when none is close: a
 * difference of case alone wins; otherwise at most 1 edit for names up to 4
 * characters, 2 up to 8, 3 beyond. Ties go to the first in `known`'s order.
 */
export function nearestName(wanted: string, known: readonly string[]): string | undefined {
  const lower = wanted.toLowerCase();
  const sameCase = known.find((k) => k !== wanted && k.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const limit = wanted.length <= 4 ? 1 : wanted.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    if (k === wanted) continue;
    const dist = editDistance(lower, k.toLowerCase());
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  return best;
}
