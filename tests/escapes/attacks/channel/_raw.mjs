// The raw handle every channel attack uses: fd 3 as a net.Socket (the guard refuses fs writes to it, not this).
import net from 'node:net';
export const channel = new net.Socket({ fd: 3, readable: false, writable: true });
export async function send(text) {
  if (!channel.write(text)) await new Promise((r) => channel.once('drain', r));
  // Make sure the bytes are in the pipe before the guard writes its own line.
  while (channel.writableLength > 0) await new Promise((r) => setImmediate(r));
}
