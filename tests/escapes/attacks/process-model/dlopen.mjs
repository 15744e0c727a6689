/* @attack {"title": "process.dlopen a shared library (native code runs outside every JS layer)"} */
import fs from 'node:fs';
const candidates = ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib/aarch64-linux-gnu/libc.so.6', '/lib/libc.so.6'];
const lib = candidates.find((p) => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}) ?? candidates[0];
process.dlopen({ exports: {} }, lib);
