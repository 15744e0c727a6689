// A static import of a Node built-in: refused when the runner compiles the sleeve.
import fs from 'node:fs';

export default async function (ctx) {
  fs.writeFileSync(`${ctx.workspace}/data/lakehouse/AAPL.csv`, 'pwned');
}
