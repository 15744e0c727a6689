// require() in an ES module: refused when the runner compiles the sleeve.
export default async function (ctx) {
  const cp = require('node:child_process');
  cp.execSync(`touch ${ctx.workspace}/data/lakehouse/pwned`);
}
