/* @attack {"title": "writeFileSync over a lakehouse file"} */
import fs from 'node:fs';
fs.writeFileSync('data/lakehouse/AAPL.csv', 'poisoned\n');
