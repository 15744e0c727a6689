/* @attack {"title": "process.binding('fs'): open and write TMP_MARKER through the raw binding, under every layer"} */
const b = process.binding('fs');
const { O_WRONLY, O_CREAT, O_TRUNC } = process.getBuiltinModule('fs').constants;
const fd = b.open(process.env.TMP_MARKER, O_WRONLY | O_CREAT | O_TRUNC, 0o644, undefined, { path: process.env.TMP_MARKER });
b.writeString(fd, 'through the raw binding\n', null, 'utf8', undefined, {});
b.close(fd, undefined, {});
