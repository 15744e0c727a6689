// An endless loop inside a getter the host's argument copy calls (--timeout 2).
export default async function (ctx) {
  await ctx.fs.mkdir(`${ctx.runDir}/x`, {
    get recursive() {
      for (;;) {
        // spin
      }
    },
  });
}
