// Atomics.wait on a SharedArrayBuffer nobody will ever notify: blocks the thread (--timeout 2).
export default async function (ctx) {
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, { atomicsWait: typeof Atomics.wait });
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const r = Atomics.wait(cell, 0, 0);
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, { waited: r });
}
