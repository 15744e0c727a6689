/**
 * One question asked of every directory above many paths ("is there a
 * reported write above it?", "which ancestor was created during the batch?"),
 * answered in linear time: walk up only to the first directory already
 * answered, then fold the answer down the walked ones, remembering each. A
 * path's cost is the part of its ancestry nobody asked about before.
 */

/**
 * The answer at `dir`: `above` of the nearest remembered ancestor (or
 * `top` when the walk ends first, `parentOf` returning undefined), folded
 * down with `step` and remembered in `memo` for every directory walked.
 */
export function foldUp<T>(dir: string, memo: Map<string, T>, parentOf: (d: string) => string | undefined, step: (d: string, above: T) => T, top: T): T {
  const walked: string[] = [];
  let answer = top;
  for (let d: string | undefined = dir; d !== undefined; d = parentOf(d)) {
    const known = memo.get(d);
    if (known !== undefined) {
      answer = known;
      break;
    }
    walked.push(d);
  }
  for (let i = walked.length - 1; i >= 0; i--) {
    const d = walked[i] as string;
    answer = step(d, answer);
    memo.set(d, answer);
  }
  return answer;
}
