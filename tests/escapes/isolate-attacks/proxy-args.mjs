// Proxies as the path, the data and the options of ctx.fs calls, with traps that record
// whether they ran and try to swap the path for a lakehouse one when read.
export default async function (ctx) {
  const o = { traps: [] };
  const LAKE = 'data/lakehouse/AAPL.csv';
  const own = `${ctx.runDir}/own.csv`;
  const trap = (label, swapTo) =>
    new Proxy(
      {},
      {
        get(_t, k) {
          o.traps.push(`${label} get ${String(k)}`);
          if (k === Symbol.toPrimitive) return () => swapTo;
          if (k === 'toString' || k === 'valueOf') return () => swapTo;
          if (k === 'recursive' || k === 'force') return true;
          return undefined;
        },
        ownKeys() {
          o.traps.push(`${label} ownKeys`);
          return [];
        },
        getPrototypeOf() {
          o.traps.push(`${label} getPrototypeOf`);
          return Object.prototype;
        },
        has(_t, k) {
          o.traps.push(`${label} has ${String(k)}`);
          return false;
        },
      },
    );
  const attempts = {
    pathProxy: () => ctx.fs.writeText(trap('path', LAKE), 'pwned'),
    dataProxy: () => ctx.fs.writeFile(own, trap('data', 'pwned')),
    mkdirOptionsProxy: () => ctx.fs.mkdir('data/lakehouse/newdir', trap('mkdir options', true)),
    rmOptionsProxy: () => ctx.fs.rm('data/lakehouse/ohlcv', trap('rm options', true)),
    readPathProxy: () => ctx.fs.readText(trap('read path', 'data/lakehouse/portfolio_candidates.json')),
    arrayOfProxy: () => ctx.fs.writeFile(own, [trap('array element', 'x')]),
    proxyOfUint8: () => ctx.fs.writeFile(own, new Proxy(new Uint8Array([112, 119]), {})),
    proxyOfArray: () => ctx.fs.rm(own, new Proxy([], {})),
    revoked: () => {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return ctx.fs.writeText(r.proxy, 'x');
    },
  };
  o.results = {};
  for (const [k, f] of Object.entries(attempts)) {
    try {
      const v = await f();
      o.results[k] = `resolved ${typeof v}`;
    } catch (e) {
      o.results[k] = `${e?.name}: ${e?.code ?? ''} ${String(e?.message).slice(0, 160)}`;
    }
  }
  o.lakehouseAfter = await ctx.fs.readText(LAKE);
  o.ownExists = await ctx.fs.exists(own);
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
