/* @attack {"title": "trace_events.createTracing().enable(): the tracing agent writes node_trace.1.log into the cwd (the workspace root)"} */
import trace from 'node:trace_events';
const t = trace.createTracing({ categories: ['node.perf', 'v8'] });
t.enable();
await new Promise((r) => setTimeout(r, 300));
