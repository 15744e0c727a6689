/* @attack {"title": "trace_events through a computed dynamic import (never patched): tracing writes node_trace.1.log into the workspace root"} */
const trace = await import(['node', 'trace_events'].join(':'));
trace.createTracing({ categories: ['node.async_hooks', 'v8'] }).enable();
await new Promise((r) => setTimeout(r, 300));
