// A chain of microtasks that never ends, each calling the host (--timeout 2).
export default async function (ctx) {
  for (;;) await ctx.fs.exists(ctx.runDir);
}
