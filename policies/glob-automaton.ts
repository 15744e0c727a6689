/**
 * Globs as regular languages, for `policy diff`: our glob syntax translated to
 * a lookaround-free regular expression that refa turns into automata (product,
 * complement, shortest words). Pure: no fs, no child_process.
 *
 * Why our own translator: picomatch's regexes hold lookarounds (to keep `*`
 * off `.`/`..` segments), which finite automata cannot take as they are.
 * We translate the subset whose meaning we have pinned against the engine
 * (tests/policies/glob-automaton.test.ts compares it with
 * compilePolicy(...).decideResolved on random patterns and paths):
 * literal characters, `*`, `**` (a whole segment: zero or more segments;
 * inside a segment: like `*`), `?`, `[...]` classes (ranges, `^` negation) and
 * `{a,b}` alternation (nested, without `**` inside), with picomatch's quirks
 * (a trailing `/**` after a segment ending in `*` needs one more segment; a
 * class without regex characters also matches its own text). Anything else that
 * picomatch accepts (extglobs, parens, `|`, quotes, POSIX classes, brace
 * ranges, `[!...]`, which picomatch reads as the characters `!`... rather than
 * a negation) is refused with UnsupportedGlob: the diff never guesses.
 *
 * The language of a glob is written in slash-prefixed form: a relative path
 * `a/b` is matched as `/a/b`, so a rule's language is the workspace path
 * followed by it (or `/` followed by it for an absolute rule). The empty
 * glob word (a pattern matching the workspace root itself, or `/` for an
 * absolute rule) is not in this language: the caller asks the engine.
 *
 * Characters are UTF-16 code units (as picomatch's non-unicode regexes see
 * them: `?` matches one unit). RUN_ID_SYMBOL stands for the sleeve's run id:
 * `*` and `**` match it, literal characters, `?` and classes never do.
 */
import picomatch from 'picomatch';
import { createRequire } from 'node:module';
import type { ReadonlyWord } from 'refa';

// refa ships one 1 MB CommonJS file: `require` loads it without the ESM loader's
// export scan of that file (cjs-module-lexer), a third of `policy diff`'s start.
const refa = createRequire(import.meta.url)('refa') as typeof import('refa');
const { DFA, JS, NFA } = refa;
type DFA = import('refa').DFA;
type DFANode = import('refa').DFA.Node;
type NFA = import('refa').NFA;
/** True when the two automata accept no word in common. */
export const isDisjointWith: typeof import('refa').isDisjointWith = refa.isDisjointWith;

/** The run id, as one reserved character (private use: a run id never holds it). */
export const RUN_ID_SYMBOL = '\uE000';
export const MAX_CHAR = 0xffff;
/** Bound on the alternatives a pattern's braces expand to. */
const MAX_EXPANSIONS = 256;

/** A construct the translator does not support: `construct` names it, `fix` says what to write instead. */
export class UnsupportedGlob extends Error {
  readonly construct: string;
  readonly fix: string;
  constructor(construct: string, fix: string) {
    super(`unsupported glob construct ${construct}: ${fix}`);
    this.name = 'UnsupportedGlob';
    this.construct = construct;
    this.fix = fix;
  }
}

const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
const esc = (text: string) => [...Array(text.length).keys()].map((i) => hex(text.charCodeAt(i))).join('');
const RHO = RUN_ID_SYMBOL.charCodeAt(0);
/** A character of a segment that `?` and classes may match: not `/`, not the run id. */
const ONE = `[^/${hex(RHO)}]`;
const SEGMENT = '[^/]+';

// ---------------------------------------------------------------- braces

/** Index of the `]` closing a class that opens at `i`, or -1 (then `[` is refused by strictBrackets anyway). */
function classEnd(glob: string, i: number): number {
  let j = i + 1;
  if (glob[j] === '^' || glob[j] === '!') j++;
  if (glob[j] === ']') j++;
  for (; j < glob.length; j++) if (glob[j] === ']') return j;
  return -1;
}

/** Expands `{a,b}` alternation (nested) into brace-free globs. */
export function expandBraces(glob: string): string[] {
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '[') {
      const end = classEnd(glob, i);
      if (end < 0) throw new UnsupportedGlob(`"[" without "]" in ${JSON.stringify(glob)}`, 'write [[] for a literal "["');
      i = end;
      continue;
    }
    if (c === '}') throw new UnsupportedGlob(`a "}" outside braces in ${JSON.stringify(glob)}`, 'write [}] for a literal "}"');
    if (c !== '{') continue;
    // Find the matching "}" and the top-level commas.
    let depth = 0;
    const commas: number[] = [];
    let close = -1;
    for (let j = i; j < glob.length; j++) {
      const d = glob[j];
      if (d === '[') {
        const end = classEnd(glob, j);
        if (end < 0) break;
        j = end;
      } else if (d === '{') depth++;
      else if (d === '}') {
        depth--;
        if (depth === 0) {
          close = j;
          break;
        }
      } else if (d === ',' && depth === 1) commas.push(j);
    }
    if (close < 0) throw new UnsupportedGlob(`"{" without "}" in ${JSON.stringify(glob)}`, 'write [{] for a literal "{"');
    const inner = glob.slice(i + 1, close);
    if (glob[close + 1] === '+') {
      throw new UnsupportedGlob(
        `"}+" in ${JSON.stringify(glob)} (picomatch reads it as "one or more of the alternatives")`,
        'write the repetition out, or [+] for a literal "+"',
      );
    }
    if (inner.includes('..')) {
      throw new UnsupportedGlob(
        `".." inside the braces {${inner}} (picomatch may read a brace range there)`,
        'list the alternatives without "..", or split the rule',
      );
    }
    if (commas.length === 0) {
      throw new UnsupportedGlob(
        `the braces {${inner}} without a comma (picomatch reads them literally)`,
        'list the alternatives, e.g. {a,b}, or write [{] and [}] for literal braces',
      );
    }
    if (inner.includes('[')) {
      throw new UnsupportedGlob(
        `a class inside braces in ${JSON.stringify(glob)}`,
        'picomatch also matches the class as literal text there: move the class out of the braces, or split the rule',
      );
    }
    if (inner.includes('**')) {
      throw new UnsupportedGlob(
        `"**" inside braces in ${JSON.stringify(glob)}`,
        'picomatch does not read ** as a globstar there: move it out, e.g. {a,b}/** instead of {a/**,b/**}',
      );
    }
    const bounds = [i, ...commas, close];
    const head = glob.slice(0, i);
    const tails = expandBraces(glob.slice(close + 1));
    const out: string[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      for (const alt of expandBraces(glob.slice((bounds[k] as number) + 1, bounds[k + 1]))) {
        for (const tail of tails) {
          out.push(head + alt + tail);
          if (out.length > MAX_EXPANSIONS) {
            throw new UnsupportedGlob(`braces expanding to more than ${MAX_EXPANSIONS} alternatives`, 'split the rule into several rules');
          }
        }
      }
    }
    return out;
  }
  return [glob];
}

// ---------------------------------------------------------------- one brace-free glob

function classSource(glob: string, start: number, end: number): string {
  let j = start + 1;
  let negate = false;
  if (glob[j] === '!') {
    throw new UnsupportedGlob(
      `the class ${JSON.stringify(glob.slice(start, end + 1))}`,
      `picomatch reads "[!" as the character "!" (or the literal text), not a negation: write [^${glob.slice(j + 1, end)}]`,
    );
  }
  if (glob[j] === '^') {
    negate = true;
    j++;
  }
  const ranges: Array<[number, number]> = [];
  const body = glob.slice(j, end);
  if (body.includes('[:') || body.includes('[.') || body.includes('[=')) {
    throw new UnsupportedGlob(`the POSIX class in ${JSON.stringify(glob.slice(start, end + 1))}`, 'list the characters or a range instead, e.g. [a-zA-Z]');
  }
  for (let k = 0; k < body.length; k++) {
    const lo = body.charCodeAt(k);
    if (body[k + 1] === '-' && k + 2 < body.length) {
      const hi = body.charCodeAt(k + 2);
      if (hi < lo) throw new UnsupportedGlob(`the reversed range ${body.slice(k, k + 3)}`, 'write the range low to high');
      ranges.push([lo, hi]);
      k += 2;
    } else ranges.push([lo, lo]);
  }
  // The run id is never matched by a class; a negated class never matches "/" either (picomatch adds it).
  const parts: string[] = [];
  for (const [lo, hi] of ranges) {
    if (!negate && lo <= RHO && RHO <= hi) {
      if (lo < RHO) parts.push(`${hex(lo)}-${hex(RHO - 1)}`);
      if (hi > RHO) parts.push(`${hex(RHO + 1)}-${hex(hi)}`);
    } else parts.push(lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`);
  }
  if (negate) return `[^${parts.join('')}/${hex(RHO)}]`;
  const cls = parts.length === 0 ? '[]' : `[${parts.join('')}]`;
  // picomatch quirk: a class whose text holds no regex character also matches that text literally ("[ab]" matches "[ab]").
  return /[-*+?.^${}(|)[\]]/.test(body) ? cls : `(?:${cls}|${esc(`[${body}]`)})`;
}

function segmentSource(glob: string, seg: string, offset: number): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '*') {
      while (seg[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') out += ONE;
    else if (c === '[') {
      const end = classEnd(seg, i);
      if (end < 0) throw new UnsupportedGlob(`"[" without "]" in ${JSON.stringify(glob)}`, 'write [[] for a literal "["');
      out += classSource(glob, offset + i, offset + end);
      i = end;
    } else if (c === '(' || c === ')' || c === '|') {
      throw new UnsupportedGlob(
        `${JSON.stringify(c)} (an extglob or a group) in ${JSON.stringify(glob)}`,
        'rewrite with {a,b} alternation or split the rule into several rules; for a literal character write it in a class, e.g. [(]',
      );
    } else if (c === '+' && i > 0 && (seg[i - 1] === ']' || seg[i - 1] === '}' || seg[i - 1] === '+')) {
      throw new UnsupportedGlob(
        `${JSON.stringify(seg.slice(i - 1, i + 1))} in ${JSON.stringify(glob)} (picomatch reads that "+" as a repetition)`,
        'write the repetition out, or [+] for a literal "+"',
      );
    } else if (c === '"') {
      throw new UnsupportedGlob(
        `a quote in ${JSON.stringify(glob)}`,
        'picomatch strips double quotes: write the path without them, or ["] for a literal quote',
      );
    } else if (c === ']') {
      throw new UnsupportedGlob(`a "]" outside a class in ${JSON.stringify(glob)}`, 'write []] for a literal "]"');
    } else if (c === '\\') {
      throw new UnsupportedGlob(`a backslash in ${JSON.stringify(glob)}`, 'escape glob characters with a class instead, e.g. [*]');
    } else out += esc(c);
  }
  return out;
}

/** Splits on "/" outside classes. */
function splitSegments(glob: string): Array<{ text: string; offset: number }> {
  const out: Array<{ text: string; offset: number }> = [];
  let start = 0;
  for (let i = 0; i < glob.length; i++) {
    if (glob[i] === '[') {
      const end = classEnd(glob, i);
      if (end >= 0) i = end;
    } else if (glob[i] === '/') {
      out.push({ text: glob.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  out.push({ text: glob.slice(start), offset: start });
  return out;
}

function braceFreeSource(glob: string): string {
  const segments = splitSegments(glob);
  let out = '';
  let allGlobstar = true;
  for (const [i, seg] of segments.entries()) {
    const before = segments[i - 1]?.text;
    // picomatch quirk: a trailing "/**" after a segment ending in "*" ("*/**", "a*/**") needs one more segment.
    if (seg.text === '**' && i === segments.length - 1 && before !== undefined && before !== '**' && before.endsWith('*')) out += `(?:/${SEGMENT})+`;
    else if (seg.text === '**') out += `(?:/${SEGMENT})*`;
    else {
      allGlobstar = false;
      out += `/${segmentSource(glob, seg.text, seg.offset)}`;
    }
  }
  // Only globstars: at least one segment (the empty word is the root, asked of the engine).
  if (allGlobstar) out = `(?:/${SEGMENT})+`;
  return out;
}

/**
 * The regular expression (source, no anchors, no lookarounds, no flags) of a
 * glob's language in slash-prefixed form: `'/' + p` matches exactly when the
 * engine's matcher accepts the relative path p (p a path of non-empty
 * segments that are not `.` or `..`). Throws UnsupportedGlob.
 */
export function globToRegexSource(glob: string): string {
  if (glob.length === 0) throw new UnsupportedGlob('an empty pattern', 'remove the rule');
  if (glob.startsWith('!')) throw new UnsupportedGlob(`the negation ${JSON.stringify(glob)}`, 'put the path in the deny list instead');
  if (glob.includes('{') && picomatch.makeRe(glob, { dot: true, strictBrackets: true }).source === '$^') {
    // picomatch could not compile its own translation (e.g. "{+a,b}") and fell back to a regex matching nothing.
    throw new UnsupportedGlob(
      `${JSON.stringify(glob)}, which picomatch cannot compile (the rule matches nothing)`,
      'rewrite the braces, e.g. put a class such as [+] in front of a leading "+", or split the rule',
    );
  }
  const alternatives = expandBraces(glob).map(braceFreeSource);
  return alternatives.length === 1 ? (alternatives[0] as string) : `(?:${alternatives.join('|')})`;
}

// ---------------------------------------------------------------- automata

/** An NFA of a regular expression source over UTF-16 code units. */
export function nfaOf(source: string): NFA {
  const { expression, maxCharacter } = JS.Parser.fromLiteral({ source, flags: '' }).parse();
  return NFA.fromRegex(expression, { maxCharacter });
}

/** A minimal DFA of an NFA. */
export function dfaOf(nfa: NFA): DFA {
  const dfa = DFA.fromFA(nfa);
  dfa.minimize();
  return dfa;
}

export function wordOf(text: string): ReadonlyWord {
  const word: number[] = new Array(text.length);
  for (let i = 0; i < text.length; i++) word[i] = text.charCodeAt(i);
  return word as unknown as ReadonlyWord;
}

export function textOf(word: readonly number[]): string {
  let out = '';
  for (const c of word) out += String.fromCharCode(c);
  return out;
}

/** `a ∖ b` as a minimal DFA. */
export function difference(a: DFA, b: DFA): DFA {
  const notB = b.copy();
  notB.complement();
  const out = DFA.fromIntersection(a, notB);
  out.minimize();
  return out;
}

export function intersection(a: DFA, b: DFA): DFA {
  const out = DFA.fromIntersection(a, b);
  out.minimize();
  return out;
}

/**
 * Up to `n` distinct shortest words of a DFA (breadth first; each state is
 * expanded at most `n` times), one transition per target state, choosing
 * the first character of `prefer` it allows, else its lowest character.
 */
export function shortestWords(dfa: DFA, n: number, prefer: readonly number[], maxLength = 4096): string[] {
  if (n <= 0 || dfa.isEmpty) return [];
  // States that can still reach a final state.
  const reverse = new Map<DFANode, DFANode[]>();
  for (const node of dfa.nodes()) {
    for (const [, to] of node.out) {
      const list = reverse.get(to);
      if (list) list.push(node);
      else reverse.set(to, [node]);
    }
  }
  const live = new Set<DFANode>();
  const stack = [...dfa.finals];
  for (const f of stack) live.add(f);
  while (stack.length > 0) {
    const node = stack.pop() as DFANode;
    for (const from of reverse.get(node) ?? []) {
      if (!live.has(from)) {
        live.add(from);
        stack.push(from);
      }
    }
  }
  if (!live.has(dfa.initial)) return [];
  const pick = (min: number, max: number) => {
    for (const c of prefer) if (c >= min && c <= max) return c;
    return min;
  };
  const out: string[] = [];
  const expanded = new Map<DFANode, number>();
  let queue: Array<{ node: DFANode; word: number[] }> = [{ node: dfa.initial, word: [] }];
  while (queue.length > 0 && out.length < n) {
    const next: Array<{ node: DFANode; word: number[] }> = [];
    for (const { node, word } of queue) {
      if (dfa.finals.has(node)) {
        out.push(textOf(word));
        if (out.length >= n) break;
      }
      const count = expanded.get(node) ?? 0;
      if (count >= n || word.length >= maxLength) continue;
      expanded.set(node, count + 1);
      // One edge per target state (a character set may be split over several ranges), with its most readable character.
      const byTarget = new Map<DFANode, number>();
      for (const [range, to] of node.out) {
        if (!live.has(to)) continue;
        const c = pick(range.min, range.max);
        const had = byTarget.get(to);
        if (had === undefined || rank(c, prefer) < rank(had, prefer)) byTarget.set(to, c);
      }
      const edges = [...byTarget].map(([to, c]) => ({ to, c }));
      edges.sort((x, y) => rank(x.c, prefer) - rank(y.c, prefer));
      for (const e of edges) next.push({ node: e.to, word: [...word, e.c] });
    }
    queue = next;
  }
  return out;
}

function rank(c: number, prefer: readonly number[]): number {
  const i = prefer.indexOf(c);
  return i < 0 ? prefer.length + c : i;
}
