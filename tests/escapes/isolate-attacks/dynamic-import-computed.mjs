// Dynamic import() the bundler cannot see (computed specifiers): node:fs, a data: URL, the
// lakehouse and the candidates file as modules, a relative sibling.
export default async function (ctx) {
  const o = {};
  const specs = {
    nodeFs: 'node:' + 'fs',
    fs: ['f', 's'].join(''),
    childProcess: 'node:child_' + 'process',
    dataUrl: 'data:text/javascript,' + 'export default typeof process',
    lakehouse: `file://${ctx.workspace}/data/lakehouse/` + 'AAPL.csv',
    candidates: `${ctx.workspace}/data/lakehouse/` + 'portfolio_candidates.json',
    self: './' + 'dynamic-import-computed.mjs',
  };
  for (const [k, s] of Object.entries(specs)) {
    try {
      const m = await import(s);
      o[k] = `loaded: ${typeof m} ${Object.keys(m).join(',')}`;
    } catch (e) {
      o[k] = `rejected: ${e?.name}: ${e?.message}`;
    }
  }
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
