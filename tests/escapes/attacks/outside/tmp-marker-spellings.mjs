/* @attack {"title": "write TMP_MARKER spelled with doubled slashes, ./ and a ../ detour"} */
import fs from 'node:fs';
import path from 'node:path';
const marker = process.env.TMP_MARKER;
const dir = path.dirname(marker);
const spelled = `/${dir}//./../${path.basename(dir)}/${path.basename(marker)}`;
fs.writeFileSync(spelled, 'escaped through an odd spelling\n');
