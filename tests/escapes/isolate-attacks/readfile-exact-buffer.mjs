// The bytes ctx.fs.readFile returns must be exactly the file: no view into a host memory pool
// (whose other bytes would be another file's, or the runner's).
export default async function (ctx) {
  const o = {};
  await ctx.fs.writeText(`${ctx.runDir}/tiny.txt`, 'ab');
  for (const [k, p] of [
    ['lake', 'data/lakehouse/AAPL.csv'],
    ['tiny', `${ctx.runDir}/tiny.txt`],
    ['empty', `${ctx.runDir}/empty.txt`],
  ]) {
    if (k === 'empty') await ctx.fs.writeFile(p, new Uint8Array(0));
    const b = await ctx.fs.readFile(p);
    o[k] = {
      tag: Object.prototype.toString.call(b),
      byteLength: b.byteLength,
      bufferByteLength: b.buffer.byteLength,
      byteOffset: b.byteOffset,
      shared: b.buffer instanceof SharedArrayBuffer,
      text: String.fromCharCode(...b),
    };
  }
  o.latin1 = await ctx.fs.readFile('data/lakehouse/AAPL.csv', 'latin1');
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
