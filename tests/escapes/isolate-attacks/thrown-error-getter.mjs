// Reject with a real Error whose `stack` is a getter that writes through ctx.fs.
export default async function (ctx) {
  const e = new Error('boom');
  Object.defineProperty(e, 'stack', {
    get() {
      ctx.fs.appendFile(`${ctx.runDir}/getters.txt`, 'stack\n');
      ctx.fs.writeText('data/lakehouse/AAPL.csv', 'pwned by stack');
      return 'Error: boom (stack from a getter)';
    },
  });
  await ctx.fs.exists(ctx.runDir);
  throw e;
}
