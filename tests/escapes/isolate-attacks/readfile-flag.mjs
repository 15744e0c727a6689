// readFile's second argument reaches the host as readFileSync's options: an open flag that
// writes (truncates, appends, creates) on lakehouse files, as a string and as numbers.
export default async function (ctx) {
  const o = {};
  const LAKE = 'data/lakehouse/AAPL.csv';
  const O_WRONLY = 1;
  const O_RDWR = 2;
  const O_CREAT = 64;
  const O_TRUNC = 512;
  const O_APPEND = 1024;
  const attempts = {
    w: { flag: 'w' },
    a: { flag: 'a' },
    rPlus: { flag: 'r+' },
    wx: { flag: 'wx', encoding: 'utf8' },
    truncNumber: { flag: O_TRUNC },
    rdwrNumber: { flag: O_RDWR },
    createNumber: { flag: O_CREAT | O_WRONLY },
    appendNumber: { flag: O_APPEND },
  };
  o.results = {};
  for (const [k, opts] of Object.entries(attempts)) {
    try {
      await ctx.fs.readFile(k === 'createNumber' ? 'data/lakehouse/created.csv' : LAKE, opts);
      o.results[k] = 'resolved';
    } catch (e) {
      o.results[k] = `${e?.name}: ${e?.code ?? ''}`;
    }
  }
  o.lakehouseAfter = await ctx.fs.readText(LAKE);
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
