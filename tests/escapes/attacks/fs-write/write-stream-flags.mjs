/* @attack {"title": "write and read streams on lakehouse files with writing flags: 'r+', 'a', 'w+', O_RDWR, O_TRUNC"} */
import fs from 'node:fs';
import { finished } from 'node:stream/promises';

const { O_RDWR, O_RDONLY, O_TRUNC, O_WRONLY, O_APPEND } = fs.constants;
const writes = [
  ['r+', { flags: 'r+', start: 0 }],
  ['a', { flags: 'a' }],
  ['w+', { flags: 'w+' }],
  ['O_RDWR', { flags: O_RDWR, start: 0 }],
  ['O_WRONLY|O_APPEND', { flags: O_WRONLY | O_APPEND }],
  ['r (write stream)', { flags: 'r' }],
];
for (const [name, options] of writes) {
  try {
    const stream = fs.createWriteStream('data/lakehouse/AAPL.csv', options);
    stream.end('X');
    await finished(stream);
    console.log(`write stream ${name}: done`);
  } catch (error) {
    console.log(`write stream ${name}: ${error.code}`);
  }
}
// A read stream opened with a writing flag truncates before it reads.
for (const [name, options] of [
  ['w', { flags: 'w' }],
  ['O_TRUNC', { flags: O_RDONLY | O_TRUNC }],
  ['a+', { flags: 'a+' }],
]) {
  try {
    const stream = fs.createReadStream('data/lakehouse/MSFT.csv', options);
    stream.resume();
    await finished(stream);
    console.log(`read stream ${name}: done`);
  } catch (error) {
    console.log(`read stream ${name}: ${error.code}`);
  }
}
