// Error.prepareStackTrace and Error.captureStackTrace: the structured call sites of errors thrown
// by ctx.fs and of frames captured while the host call is on the stack (in a getter the host's
// argument copy runs) must give no host object, function or file.
export default async function (ctx) {
  const o = { sites: [] };
  const seen = (sites, where) => {
    for (const c of sites) {
      const th = c.getThis();
      const fn = c.getFunction();
      o.sites.push({
        where,
        file: c.getFileName() ?? null,
        fnName: c.getFunctionName() ?? null,
        typeName: (() => {
          try {
            return c.getTypeName();
          } catch {
            return 'threw';
          }
        })(),
        thisType: typeof th,
        fnType: typeof fn,
        native: c.isNative(),
        thisProcess: th && typeof th === 'object' ? typeof th.constructor?.constructor?.('return typeof process')?.() : null,
        fnProcess: typeof fn === 'function' ? fn.constructor('return typeof process')() : null,
        evalOrigin: c.getEvalOrigin() ?? null,
      });
    }
  };
  Error.stackTraceLimit = 100;
  Error.prepareStackTrace = (error, sites) => {
    seen(sites, String(error?.message ?? '').slice(0, 40));
    return sites;
  };
  // 1. an error thrown by ctx.fs (ENOENT, and a host TypeError)
  try {
    await ctx.fs.readText(`${ctx.runDir}/missing.txt`);
  } catch (e) {
    o.enoentStackIsArray = Array.isArray(e.stack);
  }
  try {
    await ctx.fs.readdir(`${ctx.runDir}/missing`);
  } catch (e) {
    o.stack2IsArray = Array.isArray(e.stack);
  }
  // 2. frames captured inside a getter that the host's argument copy calls
  const options = {
    get recursive() {
      o.getterStack = Array.isArray(new Error('in getter').stack);
      const holder = {};
      Error.captureStackTrace(holder);
      o.capturedIsArray = Array.isArray(holder.stack);
      return true;
    },
  };
  await ctx.fs.mkdir(`${ctx.runDir}/made`, options);
  // 3. a stack overflow inside a getter of a host call
  const deep = {
    get recursive() {
      const f = () => f();
      try {
        f();
      } catch (e) {
        o.overflowName = e.name;
        o.overflowStackIsArray = Array.isArray(e.stack);
      }
      return false;
    },
  };
  try {
    await ctx.fs.mkdir(`${ctx.runDir}/made2`, deep);
    o.made2 = 'made';
  } catch (e) {
    o.made2 = `${e.name}: ${e.message}`;
  }
  Error.prepareStackTrace = undefined;
  o.files = [...new Set(o.sites.map((s) => s.file))];
  // Only the distinct frames go to disk (the overflow has thousands).
  const key = (s) => JSON.stringify({ ...s, where: '' });
  const uniq = new Map();
  for (const s of o.sites) if (!uniq.has(key(s))) uniq.set(key(s), s);
  o.sites = [...uniq.values()];
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
