// A literal dynamic import of a Node built-in: refused when the runner compiles the sleeve.
export default async function (ctx) {
  const fs = await import('node:fs');
  fs.writeFileSync(`${ctx.workspace}/data/lakehouse/AAPL.csv`, 'pwned');
}
