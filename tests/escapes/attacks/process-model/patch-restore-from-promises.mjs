/* @attack {"title": "look for unwrapped originals: fs.promises, the FileHandle prototype, fs.WriteStream constructed directly (not createWriteStream); write OUTSIDE/x"} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
fs.writeFileSync(`${dir}/mine.txt`, 'mine\n');
const fh = await fs.promises.open(`${dir}/mine.txt`, 'r');
const FileHandle = Object.getPrototypeOf(fh).constructor;
await fh.close();
process.stderr.write(`FileHandle is ${FileHandle.name}\n`);
// The stream class itself is not wrapped: construct it directly.
const out = new fs.WriteStream(`${process.env.OUTSIDE}/x`);
await new Promise((resolve, reject) => {
  out.on('error', reject);
  out.end('through new fs.WriteStream\n', resolve);
});
