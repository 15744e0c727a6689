// Huge strings: one past V8's maximum length, then ones that fit V8 but not the isolate's
// memory limit (run with --memory 64), flattened by passing them to ctx.fs.
export default async function (ctx) {
  const o = { steps: [] };
  const save = () => ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
  try {
    'x'.repeat(2 ** 29);
    o.steps.push('2^29 created');
  } catch (e) {
    o.steps.push(`2^29: ${e.name}`);
  }
  await save();
  let s = 'y'.repeat(2 ** 20);
  for (let i = 0; i < 10; i++) {
    s += s;
    o.steps.push(`doubled to ${s.length}`);
    await save();
    // a flat copy of each doubling crosses into the host
    await ctx.fs.writeText(`${ctx.runDir}/big.txt`, s);
    o.steps.push(`wrote ${s.length}`);
    await save();
  }
}
