/* @attack {"title": "a raw libuv pipe handle, reached from process.stdout, binds unix sockets in the workspace root and the lakehouse (a socket file is a write no fs wrapper sees)", "expect": "refused", "osOnly": true} */
const ws = process.env.SLEEVE_WORKSPACE;
let escaped = 0;
let Pipe;
try {
  Pipe = process.stdout._handle?.constructor;
} catch (error) {
  console.log(`refused: process.stdout._handle: ${error.code ?? error.message}`);
}
if (typeof Pipe === 'function') {
  for (const target of [`${ws}/escape.sock`, `${ws}/data/lakehouse/escape.sock`]) {
    try {
      const handle = new Pipe(0);
      const err = handle.bind(target);
      if (err === 0) {
        escaped++;
        console.log(`ESCAPED: bound ${target}`);
      } else console.log(`refused: bind ${target}: ${err}`);
      handle.close();
    } catch (error) {
      console.log(`refused: bind ${target}: ${error.code ?? error.message}`);
    }
  }
}
process.exitCode = escaped > 0 ? 0 : 1;
