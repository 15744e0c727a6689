// Prototype and constructor chains of everything ctx.fs hands back: stat results, readdir
// arrays, readFile bytes and strings, readJson values, errors thrown by ctx.fs, the promises.
export default async function (ctx) {
  const o = {};
  const probe = (v) => {
    const out = {};
    try {
      out.protoIsIsolates = [Object.prototype, Array.prototype, Error.prototype, Uint8Array.prototype, ArrayBuffer.prototype, Promise.prototype, String.prototype, TypeError.prototype].includes(Object.getPrototypeOf(v));
      out.ctorIsFunction = v.constructor.constructor === Function;
      out.process = v.constructor.constructor('return typeof process')();
      out.require = v.constructor.constructor('return typeof require')();
      out.globalProcess = typeof v.constructor.constructor('return this')().process;
      out.protoProto = String(Object.getPrototypeOf(Object.getPrototypeOf(v)) === Object.prototype || Object.getPrototypeOf(Object.getPrototypeOf(v)) === null);
      // biome-ignore lint/suspicious/noProto: the __proto__ accessor is the attack
      out.dunder = v.__proto__ === Object.getPrototypeOf(v);
      out.ownNames = Object.getOwnPropertyNames(v).filter((k) => !/^\d+$/.test(k)).sort();
    } catch (e) {
      out.threw = `${e?.name}: ${e?.message}`;
    }
    return out;
  };
  await ctx.fs.mkdir(`${ctx.runDir}/d`);
  await ctx.fs.writeText(`${ctx.runDir}/d/a.json`, '{"a":[1,2]}');
  const stat = await ctx.fs.stat('data/lakehouse/AAPL.csv');
  o.stat = probe(stat);
  o.statValue = stat;
  o.readdir = probe(await ctx.fs.readdir('data/lakehouse/ohlcv'));
  o.readFile = probe(await ctx.fs.readFile('data/lakehouse/AAPL.csv'));
  o.readFileBuffer = probe((await ctx.fs.readFile('data/lakehouse/AAPL.csv')).buffer);
  o.readText = probe(Object(await ctx.fs.readText('data/lakehouse/AAPL.csv')));
  o.readJson = probe(await ctx.fs.readJson(`${ctx.runDir}/d/a.json`));
  o.readJsonInner = probe((await ctx.fs.readJson(`${ctx.runDir}/d/a.json`)).a);
  o.exists = typeof (await ctx.fs.exists('data/lakehouse/AAPL.csv'));
  const pending = ctx.fs.exists('data/lakehouse/AAPL.csv');
  o.promise = probe(pending);
  o.promiseIsNative = pending instanceof Promise && pending.constructor === Promise;
  await pending;
  for (const [k, f] of [
    ['enoent', () => ctx.fs.stat(`${ctx.runDir}/nope`)],
    ['eisdir', () => ctx.fs.readText('data/lakehouse/ohlcv')],
    ['badOp', () => ctx.fs.readdir(`${ctx.runDir}/d/a.json`)],
  ]) {
    try {
      await f();
      o[k] = 'no error';
    } catch (err) {
      o[k] = probe(err);
      o[`${k}Fields`] = { name: err.name, code: err.code, instanceofError: err instanceof Error, stackHasHostPath: /\/dist\/|node:internal|isolate-host|bootstrap/.test(String(err.stack)) };
      o[`${k}CtorCtor`] = typeof err.constructor.constructor('return this')().process;
    }
  }
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
