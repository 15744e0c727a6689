/* @attack {"title": "memory blow-up past --memory 64 with large distinct strings", "expect": "oom", "args": ["--memory", "64"]} */
const keep = [];
for (let i = 0; ; i++) keep.push(`${i}`.padEnd(1 << 16, String.fromCharCode(65 + (i % 26))));
