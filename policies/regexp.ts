/**
 * RegExp.prototype.exec as it was when this module loaded, called on a
 * regular expression: `regexpExec(re, s)` is `re.exec(s)` without looking
 * `exec` up. Inside a sleeve RegExp.prototype is left as it is (V8 keeps its
 * fast regular expressions only while it is untouched: sandbox/harden.ts),
 * so a sleeve may replace `exec`, and `re.test(s)`, `s.replace(re, ...)` or
 * `s.split(re)` would call the replacement. What decides a path uses this
 * instead, on regular expressions nobody else holds; the built-in exec reads
 * only the expression's own state (`lastIndex`, for a global or sticky one).
 */
export const regexpExec: (re: RegExp, s: string) => RegExpExecArray | null = Function.prototype.call.bind(RegExp.prototype.exec) as never;
