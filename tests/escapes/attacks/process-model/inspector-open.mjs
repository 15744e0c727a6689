/* @attack {"title": "inspector.open(): listen for a debugger on the loopback (remote code execution into the sleeve)"} */
import inspector from 'node:inspector';
inspector.open(0, '127.0.0.1', false);
process.stdout.write(`debugger at ${inspector.url()}\n`);
inspector.close();
