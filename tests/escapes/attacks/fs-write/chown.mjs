/* @attack {"title": "chown / lchown / fchown (sync, callback, promises) on lakehouse files", "maxSeconds": 25} */
import fs from 'node:fs';

// A changed owner is not in the harness's snapshot (mode, links, mtime, bytes),
// so a chown that goes through keeps this run alive past maxSeconds: the harness
// then fails it ("no report") instead of passing it on a later denial.
const files = ['data/lakehouse/AAPL.csv', 'data/lakehouse/MSFT.csv', 'data/lakehouse/ohlcv/SPY.csv', 'data/lakehouse/ohlcv'];
const before = new Map(files.map((f) => [f, fs.statSync(f)]));
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const fd = fs.openSync('data/lakehouse/MSFT.csv', 'r');
const attempts = [
  ['chownSync', () => fs.chownSync('data/lakehouse/AAPL.csv', 1, 1)],
  ['chownSync same owner', () => fs.chownSync('data/lakehouse/AAPL.csv', before.get('data/lakehouse/AAPL.csv').uid, before.get('data/lakehouse/AAPL.csv').gid)],
  ['lchownSync', () => fs.lchownSync('data/lakehouse/ohlcv/SPY.csv', 1, 1)],
  ['chown callback', () => viaCallback((cb) => fs.chown('data/lakehouse/ohlcv', 1, 1, cb))],
  ['lchown callback', () => viaCallback((cb) => fs.lchown('data/lakehouse/AAPL.csv', 65534, 65534, cb))],
  ['promises.chown', () => fs.promises.chown('data/lakehouse/MSFT.csv', 1, 1)],
  ['promises.lchown', () => fs.promises.lchown('data/lakehouse/MSFT.csv', 1, 1)],
  ['fchownSync read-only fd', () => fs.fchownSync(fd, 1, 1)],
  ['fchown callback read-only fd', () => viaCallback((cb) => fs.fchown(fd, 65534, 65534, cb))],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
const changed = files.filter((f) => {
  const a = before.get(f);
  const b = fs.statSync(f);
  return a.uid !== b.uid || a.gid !== b.gid || a.ctimeMs !== b.ctimeMs;
});
if (changed.length > 0) {
  console.log(`ESCAPED: owner or ctime changed on ${changed.join(', ')}`);
  await new Promise((resolve) => setTimeout(resolve, 120_000));
}
