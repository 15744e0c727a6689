/* @attack {"title": "v8.setHeapSnapshotNearHeapLimit, then fill the heap: Node writes Heap.*.heapsnapshot into the cwd (the workspace root)", "args": ["--memory", "32"]} */
import v8 from 'node:v8';
v8.setHeapSnapshotNearHeapLimit(1);
const keep = [];
for (;;) keep.push({ n: keep.length, s: `filler ${keep.length}`, a: [1, 2, 3] });
