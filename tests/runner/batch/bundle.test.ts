/**
 * bundleEntry in-process: the sleeve's own code is compiled in, packages stay
 * outside (resolved to the file Node would load), per-file names are the
 * source file's, and what a sleeve may not compile in is refused by name.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type BundleError, bundleEntry, nodeModulesOnPath } from '../../../runner/batch/bundle.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';

const tmp = makeTempDir('sleeve-bundle-');
after(() => tmp.cleanup());
const ws = tmp.dir;
const out = path.join(ws, '.out');
fs.mkdirSync(out);

writeTree(ws, {
  'node_modules/dual/package.json': JSON.stringify({
    name: 'dual',
    main: 'legacy.js',
    module: 'esm-field.js',
    exports: { '.': { import: './esm.mjs', require: './cjs.js' } },
  }),
  'node_modules/dual/esm.mjs': 'export const kind = "esm";\n',
  'node_modules/dual/cjs.js': 'exports.kind = "cjs";\n',
  'node_modules/plain/package.json': JSON.stringify({ name: 'plain', main: 'lib/index', module: 'esm/index.js' }),
  'node_modules/plain/lib/index.js': 'exports.kind = "main";\n',
  'node_modules/plain/esm/index.js': 'export const kind = "module-field";\n',
  'node_modules/secret-pkg/package.json': JSON.stringify({ name: 'secret-pkg', main: 'index.js' }),
  'node_modules/secret-pkg/index.js': 'exports.x = 1;\n',
  'sleeves/a/node_modules/local/package.json': JSON.stringify({ name: 'local', main: 'index.js' }),
  'sleeves/a/node_modules/local/index.js': 'exports.local = true;\n',
  'sleeves/a/main.ts': [
    "import { kind } from 'dual';",
    "import plain from 'plain';",
    "import { local } from 'local';",
    "import helper from './helper.cjs';",
    'const typed: string = kind;',
    'export default () => [typed, plain.kind, local, helper(), __filename, __dirname, import.meta.url, import.meta.dirname, import.meta.filename];',
    '',
  ].join('\n'),
  'sleeves/a/helper.cjs': "const { kind } = require('dual');\nmodule.exports = () => [kind, __filename];\n",
  'sleeves/a/shadow.mts': [
    "import { fileURLToPath } from 'node:url';",
    'const __filename = fileURLToPath(import.meta.url) + "#local";',
    'export default () => __filename;',
    '',
  ].join('\n'),
  'sleeves/b/main.ts': "import data from './data.json';\nexport default () => data;\n",
  'sleeves/b/data.json': '{"a":1}\n',
  'sleeves/c/main.ts': "import x from 'secret-pkg';\nexport default () => x;\n",
  'sleeves/d/main.ts': "import x from '../a/helper.cjs';\nexport default () => x;\n",
});

const req = (entry: string, denied: (p: string) => boolean = () => false) => ({ entry: path.join(ws, entry), where: `sleeve ${entry}`, isDenied: denied });

describe('bundleEntry: own code in, packages out', () => {
  it('compiles own code and leaves every package to Node, resolved as Node resolves it', async () => {
    const b = await bundleEntry(req('sleeves/a/main.ts'), out);
    const code = fs.readFileSync(b.file, 'utf8');
    // Packages are not in the bundle: their files are imported from where npm put them.
    assert.ok(!code.includes('"esm"') && !code.includes('exports.kind'), 'no package code was compiled in');
    assert.ok(code.includes(pathToFileURL(path.join(ws, 'node_modules/dual/esm.mjs')).href), 'import takes the "import" condition');
    assert.ok(code.includes(JSON.stringify(path.join(ws, 'node_modules/dual/cjs.js'))), 'require() in own CommonJS takes the "require" condition');
    assert.ok(code.includes(pathToFileURL(path.join(ws, 'node_modules/plain/lib/index.js')).href), '"main" wins over "module", with the extension Node adds');
    assert.ok(code.includes(pathToFileURL(path.join(ws, 'sleeves/a/node_modules/local/index.js')).href), 'the nearest node_modules first');
    assert.deepEqual(b.packageDirs, [path.join(ws, 'node_modules'), path.join(ws, 'sleeves/a/node_modules')]);

    const run = (await import(pathToFileURL(b.file).href)) as { default: () => unknown[] };
    const main = path.join(ws, 'sleeves/a/main.ts');
    assert.deepEqual(run.default(), [
      'esm',
      'main',
      true,
      ['cjs', path.join(ws, 'sleeves/a/helper.cjs')],
      main,
      path.dirname(main),
      pathToFileURL(main).href,
      path.dirname(main),
      main,
    ]);
  });

  it('leaves a local binding named __filename alone', async () => {
    const b = await bundleEntry(req('sleeves/a/shadow.mts'), out);
    const run = (await import(pathToFileURL(b.file).href)) as { default: () => string };
    assert.equal(run.default(), `${path.join(ws, 'sleeves/a/shadow.mts')}#local`);
  });

  it('maps the bundle back to the source files (inline source map)', async () => {
    const b = await bundleEntry(req('sleeves/a/main.ts'), out);
    const code = fs.readFileSync(b.file, 'utf8');
    const map = /sourceMappingURL=data:application\/json;base64,(\S+)/.exec(code);
    assert.ok(map, 'an inline source map');
    const sources = (JSON.parse(Buffer.from(map[1] as string, 'base64').toString('utf8')) as { sources: string[] }).sources;
    assert.ok(
      sources.some((s) => s.endsWith('sleeves/a/main.ts')),
      sources.join(),
    );
    assert.ok(
      sources.some((s) => s.endsWith('sleeves/a/helper.cjs')),
      sources.join(),
    );
  });

  it('refuses data files, code outside the sleeve directory, and packages the policy denies', async () => {
    await assert.rejects(bundleEntry(req('sleeves/b/main.ts'), out), (e: BundleError) =>
      /only code files can be imported by a sleeve, not .*data\.json/.test(e.message),
    );
    await assert.rejects(
      bundleEntry(
        req('sleeves/c/main.ts', (p) => p.includes('secret-pkg')),
        out,
      ),
      (e: BundleError) => /secret-pkg.*is denied by the policy's read rules/.test(e.message),
    );
    await assert.rejects(bundleEntry(req('sleeves/d/main.ts'), out), (e: BundleError) => /may import code only from its own directory/.test(e.message));
  });
});

describe('nodeModulesOnPath', () => {
  it('lists the real node_modules directories Node would search, nearest first', () => {
    assert.deepEqual(nodeModulesOnPath(path.join(ws, 'sleeves/a')), [path.join(ws, 'sleeves/a/node_modules'), path.join(ws, 'node_modules')]);
    assert.deepEqual(nodeModulesOnPath(path.join(ws, 'sleeves/b')), [path.join(ws, 'node_modules')]);
  });
});
