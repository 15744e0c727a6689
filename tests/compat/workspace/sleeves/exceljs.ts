// exceljs: builds a styled workbook of per-symbol statistics, then reads it back from the buffer.
import ExcelJS from 'exceljs';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const rows = (await ctx.fs.readText('data/lakehouse/prices.csv'))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const stats = new Map<string, { n: number; sum: number; last: number }>();
  for (const [s, , c] of rows) {
    const a = stats.get(s as string) ?? { n: 0, sum: 0, last: 0 };
    a.n++;
    a.sum += Number(c);
    a.last = Number(c);
    stats.set(s as string, a);
  }
  const wb = new ExcelJS.Workbook();
  wb.creator = 'compat';
  wb.created = new Date(Date.UTC(2024, 0, 1));
  wb.modified = wb.created;
  const ws = wb.addWorksheet('stats');
  ws.columns = [
    { header: 'symbol', key: 'symbol', width: 10 },
    { header: 'mean', key: 'mean', width: 12, style: { numFmt: '0.00' } },
    { header: 'last', key: 'last', width: 12 },
  ];
  for (const [symbol, a] of stats) ws.addRow({ symbol, mean: a.sum / a.n, last: a.last });
  ws.getRow(1).font = { bold: true };
  ws.addRow({ symbol: 'ALL', mean: { formula: `AVERAGE(B2:B${stats.size + 1})` } });
  const buffer = await wb.xlsx.writeBuffer();
  const back = new ExcelJS.Workbook();
  await back.xlsx.load(buffer);
  const sheet = back.getWorksheet('stats');
  const values: unknown[] = [];
  sheet?.eachRow((row) => values.push(row.values));
  await ctx.fs.writeJson(`${ctx.runDir}/readback.json`, { creator: back.creator, values, bold: sheet?.getRow(1).font?.bold ?? null });
}
