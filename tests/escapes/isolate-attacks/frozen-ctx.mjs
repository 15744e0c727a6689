// Mutating ctx, ctx.fs, ctx.env, ctx.args and console, and replacing the intrinsics the
// prelude uses (JSON, Promise, Object, Array iteration) before calling ctx.fs.
export default async function (ctx) {
  const o = {};
  const attempt = (k, f) => {
    try {
      f();
      o[k] = 'no error';
    } catch (e) {
      o[k] = e?.name ?? 'threw';
    }
  };
  attempt('replaceFsWrite', () => {
    ctx.fs.writeText = () => Promise.resolve();
  });
  attempt('replaceFs', () => {
    ctx.fs = {};
  });
  attempt('deleteFs', () => {
    delete ctx.fs;
  });
  attempt('defineRunDir', () => Object.defineProperty(ctx, 'runDir', { value: `${ctx.workspace}/data/lakehouse` }));
  attempt('setEnv', () => {
    ctx.env.PORTFOLIO_DATA_SOURCE = 'shared';
  });
  attempt('pushArgs', () => ctx.args.push('x'));
  attempt('setConsole', () => {
    console.log = () => {};
  });
  attempt('setProtoOfCtx', () => Object.setPrototypeOf(ctx, { runDir: 'x' }));
  o.frozen = [Object.isFrozen(ctx), Object.isFrozen(ctx.fs), Object.isFrozen(ctx.env), Object.isFrozen(ctx.args), Object.isFrozen(console)];
  o.envDataSource = ctx.env.PORTFOLIO_DATA_SOURCE;
  o.runDirStill = ctx.runDir;
  // the intrinsics the prelude captured: replacing them now must not change what ctx.fs does
  JSON.stringify = () => '"replaced"';
  JSON.parse = () => ({ replaced: true });
  Object.freeze = (x) => x;
  Array.prototype[Symbol.iterator] = function* () {
    yield '__proto__';
    yield 'constructor';
  };
  Object.defineProperty(Object.prototype, 'code', {
    set(v) {
      Object.defineProperty(this, 'code', { value: `set:${v}`, writable: true, configurable: true });
    },
    configurable: true,
  });
  Function.prototype.call = () => 'hijacked';
  Function.prototype.apply = () => 'hijacked';
  Function.prototype.bind = () => () => 'hijacked';
  await ctx.fs.writeJson(`${ctx.runDir}/after.json`, { a: 1 });
  o.readBack = await ctx.fs.readJson(`${ctx.runDir}/after.json`);
  try {
    await ctx.fs.readText(`${ctx.runDir}/missing`);
  } catch (e) {
    o.errCode = e.code;
  }
  try {
    await ctx.fs.writeText('data/lakehouse/AAPL.csv', 'pwned after replacing intrinsics');
    o.lakehouseWrite = 'written';
  } catch (e) {
    o.lakehouseWrite = String(e.code);
  }
  delete Object.prototype.code;
  // writeJson with JSON.stringify gone: the prelude's own copy writes it
  JSON.stringify = undefined;
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
