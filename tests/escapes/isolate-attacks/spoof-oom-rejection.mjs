// An unhandled rejection that reads like the isolate's memory limit, from a sleeve that returns
// normally: the report must not say "oom".
export default async function (ctx) {
  Promise.reject(new Error('Isolate was disposed during execution due to memory limit'));
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, { returned: true });
}
