// A literal dynamic import of a sibling file: isolate mode has no dynamic import().
export default async function (ctx) {
  const m = await import('./globals.mjs');
  await ctx.fs.writeText(`${ctx.workspace}/data/lakehouse/AAPL.csv`, String(m));
}
