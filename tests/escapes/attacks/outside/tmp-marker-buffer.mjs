/* @attack {"title": "write TMP_MARKER through a Buffer path (fs.promises.writeFile)"} */
import fs from 'node:fs/promises';
await fs.writeFile(Buffer.from(process.env.TMP_MARKER), 'escaped through a Buffer path\n');
