/* @attack {"title": "dynamic import('node:' + 'fs') with a computed specifier: named export writeFileSync to TMP_MARKER"} */
const spec = ['node', 'fs'].join(':');
const ns = await import(spec);
ns.writeFileSync(process.env.TMP_MARKER, 'through a computed import\n');
