/* @attack {"title": "writeFileSync on a lakehouse file spelled every other way: absolute, .., //, file: URL, Buffer, Uint8Array, /proc/self/cwd, /proc/self/fd, case"} */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const abs = path.resolve('data/lakehouse/AAPL.csv');
const run = process.env.SLEEVE_RUN_DIR;
const fd = fs.openSync('data/lakehouse/MSFT.csv', 'r');
const spellings = [
  abs,
  './data/./lakehouse/AAPL.csv',
  'data/lakehouse/ohlcv/../AAPL.csv',
  'data/nope/../lakehouse/AAPL.csv',
  `${run}/../../data/lakehouse/AAPL.csv`,
  'runs/attacker/../../data/lakehouse/AAPL.csv',
  'data//lakehouse///AAPL.csv',
  `/${abs}`,
  `${abs}/`,
  pathToFileURL(abs),
  new URL(`file://${path.dirname(abs)}/%41APL.csv`),
  new URL(`file://localhost${abs}`),
  Buffer.from(abs),
  new TextEncoder().encode('data/lakehouse/AAPL.csv'),
  Buffer.from(`xx${abs}`).subarray(2),
  `/proc/self/cwd/data/lakehouse/AAPL.csv`,
  `/proc/${process.pid}/cwd/data/lakehouse/AAPL.csv`,
  `/proc/thread-self/cwd/data/lakehouse/AAPL.csv`,
  `/proc/self/fd/${fd}`,
  `/dev/fd/${fd}`,
  'data/lakehouse/aapl.csv',
  'DATA/LAKEHOUSE/AAPL.csv',
  'data/Lakehouse/AAPL.csv',
];
for (const p of spellings) {
  try {
    fs.writeFileSync(p, 'poisoned\n');
    console.log(`${String(p)}: done`);
  } catch (error) {
    console.log(`${String(p)}: ${error.code}`);
  }
}
