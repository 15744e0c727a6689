// Runs every compiled test file under node:test. Globbing is done here so the
// command behaves the same on Node 20 (directories) and 22+ (glob patterns).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', 'dist', 'tests');
// Arguments select files by a part of their path under dist/tests (e.g.
// `runner/batch/`); one starting with "!" leaves the files it matches out.
const args = process.argv.slice(2);
const wanted = args.filter((a) => !a.startsWith('!'));
const unwanted = args.filter((a) => a.startsWith('!')).map((a) => a.slice(1));
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => wanted.length === 0 || wanted.some((want) => f.includes(want)))
  .filter((f) => !unwanted.some((not) => f.includes(not)))
  .sort()
  .map((f) => path.join(root, f));
if (files.length === 0) {
  console.error(`no test files under ${root}: run "npm run build" first`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
