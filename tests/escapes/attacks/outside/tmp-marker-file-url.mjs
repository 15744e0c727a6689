/* @attack {"title": "write TMP_MARKER through a file: URL with percent-encoded slashes avoided and an encoded letter"} */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
const url = pathToFileURL(process.env.TMP_MARKER);
// %73 is "s": same file, different spelling
url.pathname = url.pathname.replace(/s/, '%73');
fs.writeFileSync(url, 'escaped through a file: URL\n');
