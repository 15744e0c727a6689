/* @attack {"title": "memory past --memory 64 in Buffers (off the V8 heap): allocate and touch 768 MiB, then exit 0", "expect": "oom", "args": ["--memory", "64"]} */
const keep = [];
for (let i = 0; i < 24; i++) keep.push(Buffer.alloc(32 << 20, i + 1));
process.stdout.write(`holding ${keep.reduce((n, b) => n + b.length, 0) >> 20} MiB outside the heap limit\n`);
