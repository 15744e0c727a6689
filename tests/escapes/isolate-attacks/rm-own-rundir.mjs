// Remove the sleeve's own run dir (its logs included) and put a file where it was: the runner
// must still finish, account for it and write its reports.
export default async function (ctx) {
  await ctx.fs.writeText(`${ctx.runDir}/a.txt`, 'a');
  await ctx.fs.rm(ctx.runDir, { recursive: true, force: true });
  await ctx.fs.writeText(ctx.runDir, 'a file where the run dir was');
}
