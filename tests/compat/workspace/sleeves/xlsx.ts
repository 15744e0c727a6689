// xlsx (SheetJS): reads the lakehouse's universe workbook and writes sheets as CSV and JSON.
import * as XLSX from 'xlsx';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const wb = XLSX.read(await ctx.fs.readFile('data/lakehouse/universe.xlsx'), { type: 'array' });
  const sheet = wb.Sheets[wb.SheetNames[0] as string] as XLSX.WorkSheet;
  const rows = XLSX.utils.sheet_to_json<{ symbol: string; sector: string }>(sheet);
  const out = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(out, XLSX.utils.json_to_sheet(rows.filter((r) => r.sector === 'Technology')), 'tech');
  await ctx.fs.writeText(`${ctx.runDir}/tech.csv`, XLSX.utils.sheet_to_csv(out.Sheets.tech as XLSX.WorkSheet));
  await ctx.fs.writeJson(`${ctx.runDir}/sheets.json`, { sheets: wb.SheetNames, range: sheet['!ref'], rows });
}
