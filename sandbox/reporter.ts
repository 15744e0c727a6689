/**
 * The guard's side of the report channel: newline-delimited JSON written
 * synchronously to fd 3 with the fs functions captured before the guard was
 * installed. Allowed writes are batched (a Set of real paths) and flushed on
 * a timer and at exit; denials go out at once, so they survive a crash.
 */
import type { DenyMessage, SleeveMessage } from './protocol.js';
import { MAX_MESSAGE_BYTES, REPORT_FD } from './protocol.js';

export interface Reporter {
  send(message: SleeveMessage): void;
  deny(message: Omit<DenyMessage, 't' | 'at'>): void;
  wrote(realPath: string): void;
  flush(): void;
}

export function createReporter(writeSync: (fd: number, data: string) => number, fd = REPORT_FD): Reporter {
  let open = true;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const writeLine = (line: string) => {
    if (!open) return;
    let data = `${line}\n`;
    for (let attempt = 0; data.length > 0 && attempt < 10_000; attempt++) {
      try {
        const n = writeSync(fd, data);
        data = data.slice(n);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        open = false; // the runner is gone or the fd is closed: stop reporting
        return;
      }
    }
  };
  const send = (message: SleeveMessage) => {
    let line = JSON.stringify(message);
    if (Buffer.byteLength(line) > MAX_MESSAGE_BYTES && message.t === 'deny') {
      line = JSON.stringify({ ...message, path: message.path.slice(0, 2048), resolved: message.resolved?.slice(0, 2048) });
    }
    writeLine(line);
  };
  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending.size === 0) return;
    let batch: string[] = [];
    let bytes = 0;
    for (const p of pending) {
      if (bytes + p.length > MAX_MESSAGE_BYTES - 1024) {
        send({ t: 'writes', paths: batch });
        batch = [];
        bytes = 0;
      }
      batch.push(p);
      bytes += p.length + 4;
    }
    if (batch.length > 0) send({ t: 'writes', paths: batch });
    pending.clear();
  };
  return {
    send,
    deny: (m) => send({ t: 'deny', ...m, at: Date.now() }),
    wrote(realPath) {
      pending.add(realPath);
      if (pending.size >= 512) flush();
      else if (!timer) {
        timer = setTimeout(flush, 100);
        timer.unref();
      }
    },
    flush,
  };
}
