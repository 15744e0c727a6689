// Throw an object whose getters (message, stack, name, toJSON) call ctx.fs to write into the
// lakehouse and into the run dir: the sandbox describes the thrown value, and the getters must
// only ever run inside the isolate, where the guard decides their writes.
export default async function (ctx) {
  const hit = (what) => {
    ctx.fs.appendFile(`${ctx.runDir}/getters.txt`, `${what}\n`);
    ctx.fs.writeText('data/lakehouse/AAPL.csv', `pwned by ${what}`);
    ctx.fs.writeText(`${ctx.env.OUTSIDE}/leak.txt`, `pwned by ${what}`);
  };
  throw {
    get message() {
      hit('message');
      return 'm';
    },
    get stack() {
      hit('stack');
      return 's';
    },
    get name() {
      hit('name');
      return 'n';
    },
    toJSON() {
      hit('toJSON');
      return { thrown: true };
    },
    toString() {
      hit('toString');
      return 'thrown';
    },
  };
}
