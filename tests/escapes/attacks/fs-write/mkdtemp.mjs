/* @attack {"title": "mkdtemp with prefixes in the lakehouse, and string / Buffer / URL prefixes that name a sibling of the run dir"} */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const run = process.env.SLEEVE_RUN_DIR;
const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const attempts = [
  ['sync', () => fs.mkdtempSync('data/lakehouse/tmp-')],
  ['sync nested', () => fs.mkdtempSync('data/lakehouse/ohlcv/')],
  ['sync absolute', () => fs.mkdtempSync(path.resolve('data/lakehouse/abs-'))],
  ['sync through ..', () => fs.mkdtempSync(`${run}/../../data/lakehouse/dd-`)],
  ['sync Buffer', () => fs.mkdtempSync(Buffer.from(path.resolve('data/lakehouse/buf-')))],
  ['sync URL', () => fs.mkdtempSync(pathToFileURL(path.resolve('data/lakehouse/url-')))],
  // The run dir's own name as the prefix: the directory lands next to it, in runs/.
  ['run-dir sibling string', () => fs.mkdtempSync(run)],
  ['run-dir sibling Buffer', () => fs.mkdtempSync(Buffer.from(run))],
  ['run-dir sibling URL', () => fs.mkdtempSync(pathToFileURL(run))],
  ['callback', () => viaCallback((cb) => fs.mkdtemp('data/lakehouse/cb-', cb))],
  ['promises', () => fs.promises.mkdtemp('data/lakehouse/p-')],
  ['promises Buffer sibling', () => fs.promises.mkdtemp(Buffer.from(run))],
];
for (const [name, call] of attempts) {
  try {
    console.log(`${name}: made ${await call()}`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
