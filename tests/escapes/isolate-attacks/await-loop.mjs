// An endless loop inside an await continuation (a microtask), after a ctx.fs call (--timeout 2).
export default async function (ctx) {
  await ctx.fs.exists(ctx.runDir);
  await null;
  for (;;) {
    // spin
  }
}
