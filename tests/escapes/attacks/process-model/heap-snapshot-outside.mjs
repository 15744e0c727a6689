/* @attack {"title": "v8.writeHeapSnapshot into OUTSIDE"} */
import v8 from 'node:v8';
v8.writeHeapSnapshot(`${process.env.OUTSIDE}/h.heapsnapshot`);
