// Values a copy cannot carry, or carries oddly: a SharedArrayBuffer and a view on one, a
// function, a symbol, a BigInt, a cyclic object, a WebAssembly.Memory, as data, paths and options.
export default async function (ctx) {
  const o = {};
  const run = ctx.runDir;
  const LAKE = 'data/lakehouse/AAPL.csv';
  const sab = new SharedArrayBuffer(16);
  const view = new Uint8Array(sab);
  view.set([104, 105]);
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  const attempts = {
    sabData: () => ctx.fs.writeFile(`${run}/sab.bin`, sab),
    sabViewData: () => ctx.fs.writeFile(`${run}/sabview.bin`, view),
    sabViewPath: () => {
      const p = new Uint8Array(new SharedArrayBuffer(LAKE.length));
      p.set(Uint8Array.from(LAKE, (c) => c.charCodeAt(0)));
      return ctx.fs.writeText(p, 'pwned');
    },
    functionData: () => ctx.fs.writeFile(`${run}/fn.txt`, () => 'x'),
    functionPath: () => ctx.fs.writeText(() => LAKE, 'pwned'),
    symbolData: () => ctx.fs.writeFile(`${run}/sym.txt`, Symbol('x')),
    bigintData: () => ctx.fs.writeFile(`${run}/big.txt`, 10n),
    cyclicOptions: () => ctx.fs.mkdir(`${run}/cyc`, cyclic),
    wasmMemoryData: () => ctx.fs.writeFile(`${run}/wasm.bin`, new WebAssembly.Memory({ initial: 1 })),
    wasmMemoryBufferData: () => ctx.fs.writeFile(`${run}/wasmbuf.bin`, new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer, 0, 8)),
    dateData: () => ctx.fs.writeFile(`${run}/date.txt`, new Date(0)),
    mapOptions: () => ctx.fs.rm(`${run}/nothing`, new Map([['force', true]])),
  };
  o.results = {};
  for (const [k, f] of Object.entries(attempts)) {
    try {
      await f();
      o.results[k] = 'resolved';
    } catch (e) {
      o.results[k] = `${e?.name}: ${e?.code ?? ''}`;
    }
  }
  o.sabStill = [...view.slice(0, 4)];
  o.lakehouseAfter = await ctx.fs.readText(LAKE);
  await ctx.fs.writeJson(`${run}/observed.json`, o);
}
