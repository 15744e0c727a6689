/* @attack {"title": "Error.prepareStackTrace: collect CallSite functions from inside the guard, call any that is not a wrapper to write TMP_MARKER"} */
import fs from 'node:fs';
const found = new Set();
Error.prepareStackTrace = (_err, sites) => {
  for (const s of sites) {
    const fn = s.getFunction?.();
    if (typeof fn === 'function') found.add(fn);
    const self = s.getThis?.();
    if (self && typeof self === 'object') found.add(self);
  }
  return 'stack';
};
Error.stackTraceLimit = Number.POSITIVE_INFINITY;
try {
  fs.writeFileSync(process.env.TMP_MARKER, 'probe\n');
} catch (error) {
  void error.stack;
}
Error.prepareStackTrace = undefined;
for (const f of found) {
  if (typeof f === 'function' && /write|open/i.test(f.name)) {
    try {
      f(process.env.TMP_MARKER, 'through a function captured from a stack trace\n');
    } catch {
      // next one
    }
  }
}
fs.writeFileSync(process.env.TMP_MARKER, 'direct\n');
