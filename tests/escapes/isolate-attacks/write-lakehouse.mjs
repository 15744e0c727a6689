// The plain attempt: write a lakehouse file through ctx.fs, not caught.
export default async function (ctx) {
  await ctx.fs.writeText('data/lakehouse/ohlcv/AAPL.csv', 'x');
}
