/* @attack {"title": "truncate a readable lakehouse file through a read API: fs.promises.readFile with flag w"} */
import fs from 'node:fs/promises';
await fs.readFile('data/lakehouse/MSFT.csv', { flag: 'w' });
