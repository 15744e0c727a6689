/**
 * The guard's side of the report channel: newline-delimited JSON written
 * synchronously to fd 3 with the fs functions captured before the guard was
 * installed. Everything is written ahead of the operation it reports (a
 * write is reported before it happens, once per distinct path), so a report
 * survives a crash, a signal or an out-of-memory death right after it.
 */
import type { DenyMessage, SleeveMessage } from './protocol.js';
import { MAX_MESSAGE_BYTES, REPORT_FD } from './protocol.js';

export interface Reporter {
  send(message: SleeveMessage): void;
  deny(message: Omit<DenyMessage, 't' | 'at'>): void;
  wrote(realPath: string): void;
}

/**
 * `onBroken` runs when a report cannot be written (the sleeve closed or
 * clogged the channel): the bootstrap ends the process then, because a
 * sandbox that cannot report its refusals must not go on running.
 */
export function createReporter(writeSync: (fd: number, data: Buffer, offset: number) => number, fd = REPORT_FD, onBroken: () => void = () => {}): Reporter {
  let open = true;
  const reported = new Set<string>();

  const writeLine = (line: string) => {
    if (!open) return;
    const data = Buffer.from(`${line}\n`, 'utf8');
    let offset = 0;
    let spins = 0;
    while (offset < data.length) {
      try {
        offset += writeSync(fd, data, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A full pipe: the runner reads continuously, so wait for it (bounded), never tear a line.
        if (code === 'EAGAIN' && spins++ < 1_000_000) continue;
        open = false; // the runner is gone, or the sleeve closed the channel
        onBroken();
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
  return {
    send,
    deny: (m) => send({ t: 'deny', ...m, at: Date.now() }),
    wrote(realPath) {
      if (reported.has(realPath)) return;
      if (reported.size < 1_000_000) reported.add(realPath);
      send({ t: 'writes', paths: [realPath] });
    },
  };
}
