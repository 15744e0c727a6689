/* @attack {"title": "trace_events reached through process.getBuiltinModule (never patched): tracing writes node_trace.1.log into the workspace root"} */
const trace = process.getBuiltinModule('trace_events');
const t = trace.createTracing({ categories: ['node.perf', 'v8'] });
t.enable();
await new Promise((r) => setTimeout(r, 300));
