// Every way out of the run dir ctx.fs offers, each caught: next to the workspace, another
// run's dir via "..", the secrets, the lakehouse by rename, rm, mkdir and appendFile, an
// absolute path into $HOME, the run dir's parent. The sleeve then ends normally.
export default async function (ctx) {
  const o = {};
  const run = ctx.runDir;
  const ws = ctx.workspace;
  await ctx.fs.writeText(`${run}/mine.txt`, 'mine');
  const attempts = {
    outsideDir: () => ctx.fs.writeText(`${ctx.env.OUTSIDE}/leak.txt`, 'x'),
    otherRun: () => ctx.fs.writeText(`${run}/../victim/own.txt`, 'x'),
    runsRoot: () => ctx.fs.writeText(`${run}/../pwned.txt`, 'x'),
    secretRead: () => ctx.fs.readText('secrets/token.txt'),
    secretReaddir: () => ctx.fs.readdir('secrets'),
    secretStat: () => ctx.fs.stat(`${ws}/secrets/token.txt`),
    secretExists: () => ctx.fs.exists(`${ws}/secrets/token.txt`),
    renameIntoLake: () => ctx.fs.rename(`${run}/mine.txt`, 'data/lakehouse/mine.txt'),
    renameOutOfLake: () => ctx.fs.rename('data/lakehouse/MSFT.csv', `${run}/MSFT.csv`),
    rmLake: () => ctx.fs.rm('data/lakehouse', { recursive: true, force: true }),
    rmLakeFile: () => ctx.fs.rm('data/lakehouse/AAPL.csv'),
    mkdirLake: () => ctx.fs.mkdir('data/lakehouse/new/deeper', { recursive: true }),
    appendLake: () => ctx.fs.appendFile('data/lakehouse/AAPL.csv', '2024-01-03,1\n'),
    dotdotLake: () => ctx.fs.writeText(`${run}/../../data/lakehouse/AAPL.csv`, 'x'),
    etcPasswd: () => ctx.fs.readText('/etc/passwd'),
    procSelfEnviron: () => ctx.fs.readText('/proc/self/environ'),
    procSelfFd3: () => ctx.fs.readText('/proc/self/fd/0'),
    tmp: () => ctx.fs.writeText('/tmp/sleeve-isolate-escape.txt', 'x'),
    emptyPath: () => ctx.fs.writeText('', 'x'),
    nulPath: () => ctx.fs.writeText(`${run}/a\0/../../../data/lakehouse/AAPL.csv`, 'x'),
  };
  o.results = {};
  for (const [k, f] of Object.entries(attempts)) {
    try {
      const v = await f();
      o.results[k] = `resolved ${typeof v === 'string' ? v.slice(0, 40) : JSON.stringify(v)?.slice(0, 40)}`;
    } catch (e) {
      o.results[k] = `${e?.name}: ${e?.code ?? ''}`;
    }
  }
  await ctx.fs.writeJson(`${run}/observed.json`, o);
}
