/* @attack {"title": "Node 24's mkdtempDisposableSync / promises.mkdtempDisposable with lakehouse prefixes, and a disposable whose parent is re-pointed into the lakehouse before remove()"} */
import fs from 'node:fs';
import path from 'node:path';

const run = process.env.SLEEVE_RUN_DIR;
if (typeof fs.mkdtempDisposableSync !== 'function') {
  // Before Node 24: its predecessor, so the attack is refused on every line the corpus runs on.
  try {
    console.log(`absent on this Node; mkdtempSync: made ${fs.mkdtempSync('data/lakehouse/tmp-')}`);
  } catch (error) {
    console.log(`absent on this Node; mkdtempSync: ${error.code}`);
  }
} else {
  const attempts = [
    ['sync', () => fs.mkdtempDisposableSync('data/lakehouse/tmp-').path],
    ['sync absolute', () => fs.mkdtempDisposableSync(path.resolve('data/lakehouse/ohlcv/abs-')).path],
    ['sync through ..', () => fs.mkdtempDisposableSync(`${run}/../../data/lakehouse/dd-`).path],
    ['promises', async () => (await fs.promises.mkdtempDisposable('data/lakehouse/p-')).path],
    [
      // Made in the run dir (allowed), then its parent swapped for a link to the lakehouse: remove() would rm there.
      'remove through a re-pointed parent',
      () => {
        fs.mkdirSync(`${run}/box`);
        const d = fs.mkdtempDisposableSync(`${run}/box/t-`);
        const name = path.basename(d.path);
        fs.renameSync(`${run}/box`, `${run}/box.old`);
        fs.symlinkSync(path.resolve('data/lakehouse/ohlcv'), `${run}/box`);
        d.remove();
        return `removed ${name}`;
      },
    ],
  ];
  for (const [name, call] of attempts) {
    try {
      console.log(`${name}: made ${await call()}`);
    } catch (error) {
      console.log(`${name}: ${error.code}`);
    }
  }
}
