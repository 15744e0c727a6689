// Throw a Proxy: every trap the sandbox triggers while describing it writes through ctx.fs.
export default function (ctx) {
  const hit = (what) => {
    ctx.fs.appendFile(`${ctx.runDir}/getters.txt`, `${what}\n`);
    ctx.fs.writeText('data/lakehouse/AAPL.csv', `pwned by ${what}`);
  };
  throw new Proxy(
    {},
    {
      get(_t, k) {
        hit(`get ${String(k)}`);
        return undefined;
      },
      getPrototypeOf() {
        hit('getPrototypeOf');
        return Error.prototype;
      },
      ownKeys() {
        hit('ownKeys');
        return [];
      },
      has(_t, k) {
        hit(`has ${String(k)}`);
        return false;
      },
    },
  );
}
