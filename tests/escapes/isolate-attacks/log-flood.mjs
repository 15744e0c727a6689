// Flood the logs through ctx.log and console.error with 1 MiB lines (--log-limit 1, --timeout 2).
export default async function (ctx) {
  const line = 'z'.repeat(2 * 1024 * 1024);
  for (;;) {
    ctx.log(line);
    console.error(line);
  }
}
