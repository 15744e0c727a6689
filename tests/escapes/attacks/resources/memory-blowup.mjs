/* @attack {"title": "memory blow-up past --memory 64: grow the JS heap without bound", "expect": "oom", "args": ["--memory", "64"]} */
const keep = [];
for (;;) keep.push({ n: keep.length, s: `filler ${keep.length}`, a: [keep.length, keep.length + 1] });
