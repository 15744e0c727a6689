// A module that merely throws, at top level, an error that reads like the isolate's limits:
// the report must say "failed", not "oom", for a sleeve that never came near its memory limit.
throw new Error('Isolate was disposed during execution due to memory limit');
