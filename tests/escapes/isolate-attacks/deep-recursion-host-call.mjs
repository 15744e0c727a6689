// Call ctx.fs with the isolate's stack nearly exhausted: after a stack overflow, each of the
// deepest 3000 frames tries a lakehouse write on its way back up, from no headroom at all to
// plenty. Every call must be either refused inside the isolate or decided by the guard and
// reported; the host must never itself run out of stack halfway through a decision (the host
// ends the sleeve with exit 70 if it does, so the harness sees it as status "failed"). A
// RangeError that reaches the sleeve is the isolate's own overflow (counted, for information).
export default async function (ctx) {
  const o = { denied: 0, isolateOverflow: 0, other: {}, attempts: 0 };
  const count = (k) => {
    o.other[k] = (o.other[k] ?? 0) + 1;
  };
  const settled = (e) => {
    if (e?.code === 'EACCES') o.denied++;
    else if (e?.name === 'RangeError' && e.message === 'Maximum call stack size exceeded') o.isolateOverflow++;
    else count(`${e?.name}: ${String(e?.message).slice(0, 60)}`);
  };
  let max = 0;
  const attempt = (file) => {
    o.attempts++;
    try {
      ctx.fs.writeText(file, 'pwned at the stack limit').then(() => count(`written ${file}`), settled);
    } catch (e) {
      count(`sync ${e?.name}`);
    }
  };
  const f = (n) => {
    if (n > max) max = n;
    try {
      f(n + 1);
    } catch {
      // the overflow, below
    }
    if (max - n < 3000) attempt('data/lakehouse/AAPL.csv');
  };
  // compile everything on the way to the host first (lazy compilation needs more stack than a call)
  attempt(`${ctx.runDir}/warm.txt`);
  await ctx.fs.exists(ctx.runDir);
  o.attempts = 0;
  o.other = {};
  f(0);
  o.depth = max;
  await ctx.fs.exists(ctx.runDir);
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
