/* @attack {"title": "v8.writeHeapSnapshot() with no name: Node picks Heap.*.heapsnapshot in the cwd (the workspace root)"} */
import v8 from 'node:v8';
v8.writeHeapSnapshot();
