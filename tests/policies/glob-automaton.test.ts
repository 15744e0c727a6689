import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compilePolicy } from '../../policies/engine.js';
import { UnsupportedGlob, dfaOf, globToRegexSource, nfaOf, shortestWords, wordOf } from '../../policies/glob-automaton.js';
import { type Sys, emptySys } from '../../policies/sys.js';
import { policyOf } from '../helpers/policy.js';

const WS = '/ws';
const pureSys: Sys = emptySys(WS);

function engineAllows(glob: string, path: string): boolean {
  const engine = compilePolicy(policyOf({ allow: [glob], deny: [] }, { allow: [], deny: [] }), { workspace: WS, runId: 'r1', sys: pureSys });
  return engine.decideResolved('read', path).allowed;
}

/** The translator's answer for a path of the universe, absolute (`/ws/...`). */
function translatorAllows(glob: string, path: string): boolean {
  const absolute = glob.startsWith('/');
  const source = globToRegexSource(absolute ? glob.slice(1) : glob);
  const re = new RegExp(`^(?:${source})$`);
  if (absolute) return re.test(path);
  return path.startsWith(`${WS}/`) && re.test(path.slice(WS.length));
}

const CHARS = ['a', 'b', 'c', '.', '-', '[', ']', '+', '!', '@', ',', '{', '}', 'é'];
const literal = fc.constantFrom('a', 'b', 'ab', '.', 'a.b', '-', 'x', '+', '@', '!', 'é', ',');
const klass = fc.constantFrom('[ab]', '[a-c]', '[^a]', '[^a-b.]', '[-a]', '[a-]', '[]a]', '[.]', '[+-0]', '[^]]', '[[]', '[{]', '[}]', '[é]');
const piece = fc.oneof({ weight: 4, arbitrary: literal }, { weight: 2, arbitrary: fc.constantFrom('*', '?', '**', '***') }, { weight: 2, arbitrary: klass });
const simpleSegment = fc.array(piece, { minLength: 1, maxLength: 3 }).map((p) => p.join(''));
const braceAlt = fc.array(fc.oneof(simpleSegment, fc.constantFrom('', 'a/b', 'x/*')), { minLength: 2, maxLength: 3 });
const segment = fc.oneof(
  { weight: 5, arbitrary: simpleSegment },
  { weight: 3, arbitrary: fc.constant('**') },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.option(literal, { nil: '' }), braceAlt, fc.option(literal, { nil: '' })).map(
      ([a, alts, b]) =>
        `${a}{${alts
          .filter((x) => !x.includes('**'))
          .concat(['a'])
          .join(',')}}${b}`,
    ),
  },
);
/** Globs of the supported subset (dot segments and empty segments filtered, as checkPattern refuses them). */
const glob = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([segs, abs]) => `${abs ? '/' : ''}${segs.join('/')}`)
  .filter((g) => !g.split('/').some((s, i) => (s === '' && !(i === 0 && g.startsWith('/'))) || s === '.' || s === '..') && g !== '/' && !g.startsWith('!'));

const pathSegment = fc
  .array(fc.constantFrom(...CHARS, 'a', 'b', '/'), { minLength: 1, maxLength: 4 })
  .map((cs) => cs.join(''))
  .filter((s) => !s.includes('/') && s !== '.' && s !== '..');
const relPath = fc.array(pathSegment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));

/** A path the glob likely matches: each glob character replaced by something it may match. */
function instantiate(g: string, choices: number[]): string {
  let k = 0;
  const next = (n: number) => (choices[k++ % choices.length] ?? 0) % n;
  let out = g.startsWith('/') ? g.slice(1) : g;
  out = out.replace(/\{([^{}]*)\}/g, (_m, inner: string) => inner.split(',')[next(inner.split(',').length)] ?? '');
  out = out.replace(/\[\^?\]?[^\]]*\]/g, (m) => ['a', 'b', '.', '-', m][next(5)] as string);
  out = out.replace(/\*\*/g, () => ['a/b', 'x', 'ab'][next(3)] as string).replace(/\*/g, () => ['', 'a', 'xy'][next(3)] as string);
  out = out.replace(/\?/g, () => ['a', '.', 'é'][next(3)] as string);
  return out;
}

const universe = (p: string) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');

describe('glob-automaton: the translator agrees with the engine', () => {
  it('translator regex === engine decision for random patterns of the subset and random paths (seeded)', () => {
    let allowed = 0;
    let compared = 0;
    fc.assert(
      fc.property(glob, relPath, fc.array(fc.nat(20), { minLength: 1, maxLength: 8 }), fc.boolean(), (g, random, choices, fromGlob) => {
        let rel = fromGlob ? instantiate(g, choices) : random;
        if (!universe(rel)) rel = random;
        const p = g.startsWith('/') && fromGlob ? `/${rel}` : `${WS}/${rel}`;
        let expected: boolean;
        try {
          expected = engineAllows(g, p);
        } catch {
          return; // the engine refuses the pattern
        }
        let got: boolean;
        try {
          got = translatorAllows(g, p);
        } catch (error) {
          if (error instanceof UnsupportedGlob) return;
          throw error;
        }
        compared++;
        if (expected) allowed++;
        assert.equal(got, expected, `pattern ${JSON.stringify(g)} on ${JSON.stringify(p)}: translator ${got}, engine ${expected}`);
      }),
      { seed: 1313, numRuns: 6000 },
    );
    assert.ok(compared > 4000 && allowed > 500, `compared too little: ${compared} compared, ${allowed} allowed`);
  });

  it('pins the picomatch quirks it mirrors', () => {
    const cases: Array<[string, string, boolean]> = [
      ['a/**', '/ws/a', true],
      ['**/b', '/ws/b', true],
      ['a/**/b', '/ws/a/b', true],
      ['a**', '/ws/a/b', false],
      ['a**', '/ws/ab', true],
      ['a/**b', '/ws/a/x/b', false],
      ['***', '/ws/a/b', false],
      ['a[^b]c', '/ws/a/c', false],
      ['a[+-0]c', '/ws/a/c', true],
      ['a{,b}', '/ws/a', true],
      ['?', '/ws/é', true],
      ['*/**', '/ws/a', false],
      ['a*/**', '/ws/a', false],
      ['*/**', '/ws/a/b', true],
      ['*.csv/**', '/ws/a.csv', true],
      ['?/**', '/ws/a', true],
      ['*/**/x', '/ws/a/x', true],
      ['[ab]', '/ws/[ab]', true],
      ['[a-b]', '/ws/[a-b]', false],
    ];
    for (const [g, p, expected] of cases) {
      assert.equal(engineAllows(g, p), expected, `engine: ${g} on ${p}`);
      assert.equal(translatorAllows(g, p), expected, `translator: ${g} on ${p}`);
    }
  });

  it('refuses what it cannot prove equal, saying what to write', () => {
    const refused: Array<[string, RegExp]> = [
      ['@(a|b)', /extglob/],
      ['a/!(b)', /extglob/],
      ['+(a)', /extglob/],
      ['[[:alpha:]]', /POSIX/],
      ['{1..3}', /brace range/],
      ['{a,b..c}', /brace range/],
      ['{a}', /without a comma/],
      ['[!a]', /\[\^a\]/],
      ['{a/**,b}', /move it out/],
      ['"a"', /quote/],
      ['a}', /outside braces/],
      ['{a,b}+', /one or more/],
    ];
    for (const [g, message] of refused) {
      assert.throws(
        () => globToRegexSource(g),
        (error: unknown) => error instanceof UnsupportedGlob && message.test(error.message),
        g,
      );
    }
  });

  it('finds distinct shortest words, preferring readable characters', () => {
    const dfa = dfaOf(nfaOf(globToRegexSource('data/?')));
    const words = shortestWords(
      dfa,
      3,
      [...'x/'].map((c) => c.charCodeAt(0)),
    );
    assert.deepEqual(words.slice(0, 1), ['/data/x']);
    assert.equal(new Set(words).size, words.length);
    for (const w of words) assert.ok(dfa.test(wordOf(w)), w);
  });
});
