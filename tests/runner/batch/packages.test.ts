// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the sleeves are source text written into files, with template literals of their own
/**
 * Packages load the way Node loads them, in real sleeve processes under
 * `strict`: a package reads its own package.json and files next to its
 * __dirname, CommonJS gets a real `module.require`, a native addon loads where
 * the policy allows addons. The grant of package code is read-only and only
 * for what resolves inside node_modules: a symlink out of it, or a policy deny,
 * still decides. Stack traces show the source files; denial errors carry no
 * frame of the sandbox.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { type Run, runBin, show } from '../audit/harness.js';

const ws = makeWorkspace();
after(() => ws.cleanup());
const dir = ws.dir;
const outOf = (name: string, file = 'out.json') => {
  const runs = fs.readdirSync(path.join(dir, 'runs')).filter((d) => d.startsWith(`${name}_`));
  assert.equal(runs.length, 1, `one run dir of ${name}: ${runs.join()}`);
  return path.join(dir, 'runs', runs[0] as string, file);
};
const stderrOf = (name: string) => fs.readFileSync(outOf(name, 'logs/stderr.log'), 'utf8');
const stdoutOf = (name: string) => fs.readFileSync(outOf(name, 'logs/stdout.log'), 'utf8');

const ADDON_C = `#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
static napi_value answer(napi_env env, napi_callback_info info) {
  const char *run = getenv("SLEEVE_RUN_DIR");
  char p[4096];
  snprintf(p, sizeof p, "%s/native.txt", run ? run : "/nonexistent");
  FILE *f = fopen(p, "w");
  if (f) { fputs("written by C\\n", f); fclose(f); }
  napi_value v;
  napi_create_int32(env, 42, &v);
  return v;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "answer", NAPI_AUTO_LENGTH, answer, NULL, &fn);
  napi_set_named_property(env, exports, "answer", fn);
  return exports;
}
`;

let strictRun: Run;
before(async () => {
  writeTree(dir, {
    // A package as npm installs them: it needs its package.json, a file beside its __dirname, and module.require.
    'node_modules/selfpkg/package.json': JSON.stringify({ name: 'selfpkg', version: '3.1.4', main: 'index.js' }),
    'node_modules/selfpkg/assets/table.txt': 'from the package\n',
    'node_modules/selfpkg/index.js': [
      "const fs = require('fs');",
      "const path = require('path');",
      "const pkg = require('./package.json');",
      'const freeModule = typeof module == "object" && module && module.exports === exports && module;',
      'module.exports = {',
      '  version: pkg.version,',
      '  dir: __dirname,',
      '  moduleRequire: typeof (freeModule && freeModule.require),',
      "  asset: fs.readFileSync(path.join(__dirname, 'assets', 'table.txt'), 'utf8'),",
      '};',
    ].join('\n'),
    // A package whose files lead out of node_modules.
    'node_modules/grabber/package.json': JSON.stringify({ name: 'grabber', version: '1.0.0', main: 'index.js' }),
    'node_modules/grabber/index.js': 'module.exports = __dirname;\n',
    'node_modules/nat/package.json': JSON.stringify({ name: 'nat', version: '1.0.0', main: 'index.js' }),
    'node_modules/nat/index.js': "module.exports = require('./build/Release/nat.node');\n",
    'sleeves/pkg.ts': [
      "import fs from 'node:fs';",
      "import self from 'selfpkg';",
      'export default (ctx: { runDir: string }) => {',
      '  fs.writeFileSync(`${ctx.runDir}/out.json`, JSON.stringify({ ...self, own: [__filename, import.meta.dirname] }));',
      '};',
    ].join('\n'),
    'sleeves/own.cjs': [
      "const fs = require('fs');",
      "const self = require('selfpkg');",
      'module.exports = (ctx) => {',
      "  fs.writeFileSync(ctx.runDir + '/out.json', JSON.stringify({ dir: __dirname, file: __filename, version: self.version }));",
      '};',
    ].join('\n'),
    'sleeves/throws.ts': [
      'type T = { n: number };',
      'const t: T = { n: 1 };',
      'export default () => {',
      '  if (t.n === 1) throw new Error(`thrown at line 4`);',
      '};',
    ].join('\n'),
    'sleeves/escape.ts': [
      "import fs from 'node:fs';",
      "import grabber from 'grabber';",
      'export default (ctx: { runDir: string }) => {',
      '  const tried: Record<string, string> = {};',
      '  for (const name of ["cands.json", "token.txt", "index.js"]) {',
      '    try {',
      "      tried[name] = fs.readFileSync(`${grabber}/${name}`, 'utf8').slice(0, 40);",
      '    } catch (e) {',
      '      tried[name] = `${(e as NodeJS.ErrnoException).code} ${(e as Error).stack}`;',
      '    }',
      '  }',
      '  fs.writeFileSync(`${ctx.runDir}/out.json`, JSON.stringify(tried));',
      '};',
    ].join('\n'),
    'sleeves/addon.ts': [
      "import fs from 'node:fs';",
      'export default async (ctx: { runDir: string }) => {',
      "  const nat = (await import('nat')).default as { answer: () => number };",
      '  fs.writeFileSync(`${ctx.runDir}/out.json`, JSON.stringify({ answer: nat.answer() }));',
      '};',
    ].join('\n'),
    'sleeves/tamper.ts': [
      "import fs from 'node:fs';",
      'export default (ctx: { workspace: string }) => {',
      "  fs.writeFileSync(`${ctx.workspace}/node_modules/selfpkg/index.js`, 'module.exports = 0;');",
      '};',
    ].join('\n'),
    'policies/addons.json': JSON.stringify({ version: 1, extends: 'strict', name: 'addons', process: { addons: true } }),
    'policies/writes-packages.json': JSON.stringify({ version: 1, extends: 'strict', name: 'writes-packages', fs: { write: { allow: ['node_modules/**'] } } }),
  });
  fs.symlinkSync(path.join(dir, 'data/lakehouse/portfolio_candidates.json'), path.join(dir, 'node_modules/grabber/cands.json'));
  fs.symlinkSync(path.join(dir, 'secrets/token.txt'), path.join(dir, 'node_modules/grabber/token.txt'));
  const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
  const src = path.join(dir, 'nat.c');
  fs.writeFileSync(src, ADDON_C);
  fs.mkdirSync(path.join(dir, 'node_modules/nat/build/Release'), { recursive: true });
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-O1', `-I${headers}`, src, '-o', path.join(dir, 'node_modules/nat/build/Release/nat.node')], {
    encoding: 'utf8',
  });
  assert.equal(cc.status, 0, `the test addon builds against ${headers}: ${cc.stderr}`);
  fs.rmSync(src);
  const sleeves = ['pkg=sleeves/pkg.ts', 'own=sleeves/own.cjs', 'throws=sleeves/throws.ts', 'escape=sleeves/escape.ts', 'refused=sleeves/addon.ts'];
  strictRun = await runBin(['run', '--policy', 'strict', '--workspace', dir, ...sleeves.flatMap((s) => ['--sleeve', s])], dir);
});

describe('packages load as in plain Node, under strict', () => {
  it('a package reads its package.json and its own files, and CommonJS has module.require', () => {
    assert.equal(strictRun.code, 3, show(strictRun));
    const out = JSON.parse(fs.readFileSync(outOf('pkg'), 'utf8'));
    assert.deepEqual(out, {
      version: '3.1.4',
      dir: path.join(dir, 'node_modules/selfpkg'),
      moduleRequire: 'function',
      asset: 'from the package\n',
      own: [path.join(dir, 'sleeves/pkg.ts'), path.join(dir, 'sleeves')],
    });
  });

  it("a user's own CommonJS file has its own __dirname and require", () => {
    assert.deepEqual(JSON.parse(fs.readFileSync(outOf('own'), 'utf8')), {
      dir: path.join(dir, 'sleeves'),
      file: path.join(dir, 'sleeves/own.cjs'),
      version: '3.1.4',
    });
  });

  it('a stack trace names the source file and line', () => {
    assert.match(stderrOf('throws'), new RegExp(`${path.join(dir, 'sleeves/throws.ts').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:\\d+`));
  });

  it('package code is granted only where it resolves inside node_modules, and a deny still wins', () => {
    const tried = JSON.parse(fs.readFileSync(outOf('escape'), 'utf8')) as Record<string, string>;
    assert.match(
      tried['cands.json'] as string,
      /^EACCES Error: read denied: .*grabber\/cands\.json .*fs\.read\.deny "data\/lakehouse\/portfolio_candidates\.json"/s,
    );
    assert.match(tried['token.txt'] as string, /^EACCES Error: read denied: .*token\.txt/s);
    assert.equal(tried['index.js'], 'module.exports = __dirname;\n');
    // Reported to the runner, too: the summary names both.
    assert.match(strictRun.stderr, /escape: read denied: \S+\/grabber\/cands\.json/);
    assert.match(strictRun.stderr, /escape: read denied: \S+\/grabber\/token\.txt/);
  });

  it('a denial error carries no frame of the sandbox, only the sleeve’s', () => {
    const tried = JSON.parse(fs.readFileSync(outOf('escape'), 'utf8')) as Record<string, string>;
    const stack = tried['cands.json'] as string;
    assert.match(stack, /sleeves\/escape\.ts:\d+:\d+/);
    assert.ok(!stack.includes('bootstrap.bundle'), stack);
  });

  it('a native addon is refused under strict, naming the policy key', () => {
    assert.match(stderrOf('refused') + stdoutOf('refused'), /process\.addons/);
    assert.ok(!fs.existsSync(outOf('refused', 'native.txt')), 'the addon never ran');
  });
});

describe('the guard alone (no OS layer) draws the same line', () => {
  it('denies the symlinks out of node_modules and reads the package', async () => {
    const run = await runBin(['run', '--policy', 'strict', '--os-layer', 'off', '--workspace', dir, '--sleeve', 'escape2=sleeves/escape.ts'], dir);
    assert.equal(run.code, 3, show(run));
    const tried = JSON.parse(fs.readFileSync(outOf('escape2'), 'utf8')) as Record<string, string>;
    assert.match(tried['cands.json'] as string, /^EACCES Error: read denied: .*fs\.read\.deny "data\/lakehouse\/portfolio_candidates\.json"/s);
    assert.match(tried['token.txt'] as string, /^EACCES Error: read denied: .*token\.txt/s);
    assert.equal(tried['index.js'], 'module.exports = __dirname;\n');
  });
});

describe('native addons where the policy allows them', () => {
  it('loads, runs, and writes its run dir', async () => {
    const run = await runBin(['run', '--policy', 'policies/addons.json', '--workspace', dir, '--sleeve', 'addon=sleeves/addon.ts'], dir);
    // Inside the OS layer the kernel rule accounts for the addon's write: the verdict is clean.
    assert.equal(run.code, 0, show(run));
    assert.deepEqual(JSON.parse(fs.readFileSync(outOf('addon'), 'utf8')), { answer: 42 });
    assert.equal(fs.readFileSync(outOf('addon', 'native.txt'), 'utf8'), 'written by C\n');
  });

  it('without the OS layer nothing proves who wrote what the addon wrote: not clean', async () => {
    const run = await runBin(['run', '--policy', 'policies/addons.json', '--os-layer', 'off', '--workspace', dir, '--sleeve', 'addon2=sleeves/addon.ts'], dir);
    assert.equal(run.code, 3, show(run));
    assert.match(run.stderr, /native\.txt/);
    assert.equal(fs.readFileSync(outOf('addon2', 'native.txt'), 'utf8'), 'written by C\n');
  });
});

describe('package code is read-only', () => {
  it('a policy that allows writes into node_modules still cannot change installed code', async () => {
    const before = fs.readFileSync(path.join(dir, 'node_modules/selfpkg/index.js'), 'utf8');
    const run = await runBin(['run', '--policy', 'policies/writes-packages.json', '--workspace', dir, '--sleeve', 'tamper=sleeves/tamper.ts'], dir);
    assert.equal(run.code, 3, show(run));
    assert.match(run.stdout + run.stderr, /installed package code is read-only/);
    assert.equal(fs.readFileSync(path.join(dir, 'node_modules/selfpkg/index.js'), 'utf8'), before);
  });
});
