// toString / valueOf / Symbol.toPrimitive / toJSON traps in paths and data passed to ctx.fs,
// and look-alikes of the types Node's fs accepts as paths (a String object, a URL-like plain
// object, bytes, an ArrayBuffer).
export default async function (ctx) {
  const o = { ran: [] };
  const LAKE = 'data/lakehouse/AAPL.csv';
  const ws = ctx.workspace;
  const bytes = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const attempts = {
    toStringPath: () =>
      ctx.fs.writeText(
        {
          toString: () => {
            o.ran.push('toString');
            return LAKE;
          },
        },
        'pwned',
      ),
    valueOfPath: () =>
      ctx.fs.writeText(
        {
          valueOf: () => {
            o.ran.push('valueOf');
            return LAKE;
          },
        },
        'pwned',
      ),
    toPrimitivePath: () =>
      ctx.fs.writeText(
        {
          [Symbol.toPrimitive]: () => {
            o.ran.push('toPrimitive');
            return LAKE;
          },
        },
        'pwned',
      ),
    stringObjectPath: () => ctx.fs.writeText(new String(LAKE), 'pwned'),
    urlLikePath: () =>
      ctx.fs.writeText({ href: `file://${ws}/${LAKE}`, protocol: 'file:', hostname: '', pathname: `${ws}/${LAKE}`, origin: 'null' }, 'pwned'),
    urlLikeRead: () => ctx.fs.readText({ href: `file://${ws}/data/lakehouse/portfolio_candidates.json`, protocol: 'file:', hostname: '', pathname: `${ws}/data/lakehouse/portfolio_candidates.json` }),
    bytesPath: () => ctx.fs.writeText(bytes(LAKE), 'pwned'),
    arrayBufferPath: () => ctx.fs.writeText(bytes(LAKE).buffer, 'pwned'),
    fileUrlString: () => ctx.fs.writeText(`file://${ws}/${LAKE}`, 'pwned'),
    toStringData: () =>
      ctx.fs.writeFile(`${ctx.runDir}/data.txt`, {
        toString: () => {
          o.ran.push('data toString');
          return 'x';
        },
      }),
    stringObjectData: () => ctx.fs.writeFile(`${ctx.runDir}/data2.txt`, new String('boxed')),
    toJSONWrites: () =>
      ctx.fs.writeJson(`${ctx.runDir}/json.json`, {
        toJSON() {
          o.ran.push('toJSON');
          ctx.fs.writeText(LAKE, 'pwned from toJSON').then(
            () => o.ran.push('toJSON write resolved'),
            (e) => o.ran.push(`toJSON write ${e.code}`),
          );
          return { fine: true };
        },
      }),
    logTraps: async () =>
      ctx.log({
        toJSON() {
          o.ran.push('log toJSON');
          return ctx.fs.writeText(LAKE, 'pwned from log').catch((e) => o.ran.push(`log write ${e.code}`)) && 'logged';
        },
      }),
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
  o.jsonWritten = await ctx.fs.readJson(`${ctx.runDir}/json.json`).catch((e) => e.code);
  o.lakehouseAfter = await ctx.fs.readText(LAKE);
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
