// Read the shared candidates fallback through ctx.fs, not caught; copy it into the run dir.
export default async function (ctx) {
  const stolen = await ctx.fs.readText('data/lakehouse/portfolio_candidates.json');
  await ctx.fs.writeText(`${ctx.runDir}/portfolio_candidates.json`, stolen);
}
