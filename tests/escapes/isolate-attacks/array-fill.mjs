// Array(n).fill: a dense array far past the isolate's memory limit (run with --memory 64).
export default async function (ctx) {
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, { started: true });
  const a = Array(2 ** 28).fill(1.5);
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, { filled: a.length });
}
