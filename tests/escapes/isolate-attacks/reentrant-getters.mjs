// Re-entrancy: getters on argument and option objects that call ctx.fs while the host is
// copying the arguments of another ctx.fs call (nested host calls), that swap the outer call's
// path, that throw, and that fail a nested call so the outer call's error could get mixed up.
export default async function (ctx) {
  const o = { log: [] };
  const LAKE = 'data/lakehouse/AAPL.csv';
  const run = ctx.runDir;
  let target = `${run}/first.txt`;
  const attempts = {
    nestedWriteInOptions: () =>
      ctx.fs.mkdir(`${run}/outer`, {
        get recursive() {
          o.log.push('getter ran');
          ctx.fs.writeText(LAKE, 'pwned from a getter').catch((e) => o.log.push(`nested write ${e.code}`));
          ctx.fs.readText('data/lakehouse/portfolio_candidates.json').catch((e) => o.log.push(`nested read ${e.code}`));
          target = LAKE;
          return true;
        },
      }),
    nestedRenameOfOuterPath: () =>
      ctx.fs.rm(`${run}/outer`, {
        get recursive() {
          // while the host copies rm's options, move the directory rm is about to delete
          ctx.fs.rename(`${run}/outer`, `${run}/moved`).then(() => o.log.push('renamed inside getter'), (e) => o.log.push(`rename ${e.code}`));
          return true;
        },
        get force() {
          return true;
        },
      }),
    getterOnDataObject: () =>
      ctx.fs.writeFile(`${run}/data.txt`, {
        get length() {
          ctx.fs.appendFile(LAKE, 'pwned').catch((e) => o.log.push(`append ${e.code}`));
          return 5;
        },
      }),
    getterThrows: () =>
      ctx.fs.mkdir(`${run}/x`, {
        get recursive() {
          throw new Error('getter threw');
        },
      }),
    nestedFailureThenOuterFailure: () =>
      ctx.fs.mkdir(`${run}/y`, {
        get recursive() {
          // a failed nested call right before the outer call fails on a function it cannot copy
          ctx.fs.readText('data/lakehouse/portfolio_candidates.json').catch((e) => o.log.push(`nested ${e.code}`));
          return () => 'not copyable';
        },
      }),
    pathChosenLate: () => ctx.fs.writeText(target, 'where does this go?'),
    deepNesting: () => {
      let depth = 0;
      const make = () => ({
        get recursive() {
          depth++;
          if (depth < 200) ctx.fs.mkdir(`${run}/deep`, make()).catch(() => {});
          return true;
        },
      });
      return ctx.fs.mkdir(`${run}/deep`, make()).then(() => o.log.push(`deep nesting ${depth}`));
    },
  };
  o.results = {};
  for (const [k, f] of Object.entries(attempts)) {
    try {
      await f();
      o.results[k] = 'resolved';
    } catch (e) {
      o.results[k] = `${e?.name}: ${e?.code ?? ''} ${String(e?.message).slice(0, 120)}`;
    }
  }
  o.target = target;
  o.lakehouseAfter = await ctx.fs.readText(LAKE);
  o.runDirAfter = (await ctx.fs.readdir(run)).sort();
  await ctx.fs.writeJson(`${run}/observed.json`, o);
}
