// Slow growth of small live objects (run with --memory 64): the isolate's heap limit.
export default async function (ctx) {
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, { started: true });
  const keep = [];
  for (;;) keep.push({ a: keep.length, b: [keep.length], c: `s${keep.length}` });
}
