/* @attack {"title": "WASI with OUTSIDE preopened: a hand-assembled wasm module path_opens and fd_writes a file there"} */
import { WASI } from 'node:wasi';

// A tiny wasm module: _start() { path_open(3, 0, "x", CREAT|TRUNC, FD_WRITE, 0, 0, &fd); fd_write(fd, &iov, 1, &n) }
const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n) => {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
const str = (s) => [...uleb(s.length), ...Buffer.from(s)];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const I32 = 0x7f;
const I64 = 0x7e;
const i32 = (v) => [0x41, ...sleb(v)];
const i64 = (v) => [0x42, ...sleb(v)];
const PATH = 16;
const MSG = 32;
const IOV = 96;
const FD = 112;
const NW = 120;
const message = 'written through WASI\n';
const types = vec([
  [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I64], [I64], [I32], [I32]]), ...vec([[I32]])],
  [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])],
  [0x60, 0, 0],
]);
const imports = vec([
  [...str('wasi_snapshot_preview1'), ...str('path_open'), 0x00, 0],
  [...str('wasi_snapshot_preview1'), ...str('fd_write'), 0x00, 1],
]);
const body = [
  0,
  ...i32(3), ...i32(0), ...i32(PATH), ...i32(1), ...i32(1 | 8), ...i64(64), ...i64(0), ...i32(0), ...i32(FD),
  0x10, 0, 0x1a,
  ...i32(FD), 0x28, 2, 0, ...i32(IOV), ...i32(1), ...i32(NW),
  0x10, 1, 0x1a,
  0x0b,
];
const iov = Buffer.alloc(8);
iov.writeUInt32LE(MSG, 0);
iov.writeUInt32LE(message.length, 4);
const data = vec([
  [0, ...i32(PATH), 0x0b, ...str('x')],
  [0, ...i32(MSG), 0x0b, ...str(message)],
  [0, ...i32(IOV), 0x0b, ...uleb(8), ...iov],
]);
const bytes = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...section(1, types),
  ...section(2, imports),
  ...section(3, vec([[2]])),
  ...section(5, vec([[0, 1]])),
  ...section(7, vec([[...str('memory'), 0x02, 0], [...str('_start'), 0x00, 2]])),
  ...section(10, vec([[...uleb(body.length), ...body]])),
  ...section(11, data),
]);

const wasi = new WASI({ version: 'preview1', preopens: { '/out': process.env.OUTSIDE } });
const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), wasi.getImportObject());
wasi.start(instance);
