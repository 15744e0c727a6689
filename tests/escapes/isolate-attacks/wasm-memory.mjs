// WebAssembly.Memory grown and touched far past the isolate's memory limit (run with --memory 64):
// wasm memory is not V8 heap, so either the isolate refuses it or the runner's RSS cap stops it.
export default async function (ctx) {
  const o = { steps: [] };
  // Written whole, then renamed: the RSS cap may kill the sleeve in the middle of a write.
  const save = async () => {
    await ctx.fs.writeJson(`${ctx.runDir}/observed.json.tmp`, o);
    await ctx.fs.rename(`${ctx.runDir}/observed.json.tmp`, `${ctx.runDir}/observed.json`);
  };
  let mem;
  try {
    mem = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    o.steps.push('created');
  } catch (e) {
    o.steps.push(`create: ${e.name}`);
    await save();
    return;
  }
  await save();
  for (let i = 0; i < 64; i++) {
    try {
      mem.grow(1024);
    } catch (e) {
      o.steps.push(`grow ${i}: ${e.name}`);
      await save();
      return;
    }
    new Uint8Array(mem.buffer).fill(7, i * 64 * 1024 * 1024);
    o.steps.push(`touched ${(i + 1) * 64} MiB`);
    await save();
  }
}
