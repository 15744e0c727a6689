// Symbol.species and `then` tricks on what ctx.fs returns: replace Promise[Symbol.species],
// Promise.prototype.then, Array[Symbol.species], Object.prototype.then (every plain result
// becomes a thenable) before calling ctx.fs, then try to write into the lakehouse.
export default async function (ctx) {
  const o = { calls: [] };
  const LAKE = 'data/lakehouse/AAPL.csv';
  const note = (what) => o.calls.length < 50 && o.calls.push(what);
  const origThen = Promise.prototype.then;
  class Evil extends Promise {
    constructor(executor) {
      note('species ctor');
      super((res, rej) => executor(res, rej));
    }
  }
  Object.defineProperty(Promise, Symbol.species, { get: () => Evil, configurable: true });
  // biome-ignore lint/suspicious/noThenProperty: replacing then is the attack
  Promise.prototype.then = function (onOk, onErr) {
    note(`then: ${typeof onOk}`);
    return origThen.call(this, onOk, onErr);
  };
  Object.defineProperty(Array, Symbol.species, {
    get() {
      note('array species');
      return function FakeArray() {
        return { length: 0, push() {} };
      };
    },
    configurable: true,
  });
  Object.defineProperty(Object.prototype, 'then', {
    configurable: true,
    get() {
      note('Object.prototype.then read');
      return undefined;
    },
  });
  const r1 = ctx.fs.stat(LAKE);
  o.statIsPromise = r1 instanceof Promise;
  const st = await r1;
  o.statSize = st.size;
  const list = await ctx.fs.readdir('data/lakehouse/ohlcv');
  o.readdirMapped = list.map((x) => x.length);
  o.readdirCtor = list.constructor === Array;
  // an Object.prototype.then that does resolve: every result object becomes a thenable
  Object.defineProperty(Object.prototype, 'then', {
    configurable: true,
    value(resolve) {
      note('thenable then called');
      delete Object.prototype.then;
      ctx.fs.writeText(LAKE, 'pwned from a thenable').catch((e) => note(`thenable write: ${e.code}`));
      resolve({ forged: true });
    },
  });
  o.statViaThenable = await ctx.fs.stat(LAKE);
  delete Object.prototype.then;
  // then the direct try, with the species still replaced
  try {
    await ctx.fs.writeText(LAKE, 'pwned with species replaced');
    o.direct = 'written';
  } catch (e) {
    o.direct = e.code;
  }
  try {
    await ctx.fs.rename(`${ctx.runDir}/logs`, 'data/lakehouse/logs');
    o.rename = 'renamed';
  } catch (e) {
    o.rename = e.code;
  }
  delete Promise[Symbol.species];
  // biome-ignore lint/suspicious/noThenProperty: restoring it
  Promise.prototype.then = origThen;
  delete Array[Symbol.species];
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
