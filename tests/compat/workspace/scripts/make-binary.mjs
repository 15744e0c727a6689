// Derives the binary lakehouse files (prices.parquet, prices.arrow,
// universe.xlsx) from the text ones with the workspace's own libraries. The
// outputs are committed; rerun after scripts/make-data.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import XLSX from 'xlsx';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'lakehouse');
const lines = fs.readFileSync(path.join(root, 'prices.csv'), 'utf8').trim().split('\n').slice(1);
const rows = lines.map((l) => l.split(','));
const symbol = rows.map((r) => r[0]);
const date = rows.map((r) => r[1]);
const close = rows.map((r) => Number(r[2]));
const volume = rows.map((r) => Number(r[3]));

const parquet = parquetWriteBuffer({
  columnData: [
    { name: 'symbol', data: symbol, type: 'STRING' },
    { name: 'date', data: date, type: 'STRING' },
    { name: 'close', data: close, type: 'DOUBLE' },
    { name: 'volume', data: volume, type: 'DOUBLE' },
  ],
});
fs.writeFileSync(path.join(root, 'prices.parquet'), new Uint8Array(parquet));

const table = tableFromArrays({ symbol, date, close: Float64Array.from(close), volume: Float64Array.from(volume) });
fs.writeFileSync(path.join(root, 'prices.arrow'), tableToIPC(table, 'file'));

const universe = JSON.parse(fs.readFileSync(path.join(root, 'universe.json'), 'utf8'));
const wb = XLSX.utils.book_new();
XLSX.utils.book_append_sheet(wb, XLSX.utils.json_to_sheet(universe), 'universe');
wb.Props = { Title: 'universe', CreatedDate: new Date(Date.UTC(2024, 0, 1)) };
fs.writeFileSync(path.join(root, 'universe.xlsx'), XLSX.write(wb, { type: 'buffer', bookType: 'xlsx' }));
console.log('wrote prices.parquet, prices.arrow, universe.xlsx');
