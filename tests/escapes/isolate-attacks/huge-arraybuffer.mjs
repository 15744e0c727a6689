// Huge ArrayBuffers (run with --memory 64): 2 GiB at once, then 32 MiB at a time, kept.
export default async function (ctx) {
  const o = { steps: [] };
  const save = () => ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
  try {
    const b = new ArrayBuffer(2 ** 31);
    new Uint8Array(b).fill(1);
    o.steps.push(`2^31 created ${b.byteLength}`);
  } catch (e) {
    o.steps.push(`2^31: ${e.name}`);
  }
  await save();
  const keep = [];
  for (let i = 0; i < 64; i++) {
    keep.push(new Uint8Array(32 * 1024 * 1024).fill(i));
    o.steps.push(`kept ${keep.length * 32} MiB`);
    await save();
  }
}
