// Rejections nobody handles, then a normal return.
export default async function (ctx) {
  Promise.reject(new Error('nobody handles this'));
  (async () => {
    throw new Error('async throw nobody awaits');
  })();
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, { returned: true });
}
