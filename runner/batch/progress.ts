/**
 * Human progress on stderr. On a TTY: one live line per sleeve (queued,
 * running with elapsed time, ok, failed, denied), redrawn in place. Off a
 * TTY: one plain line per event. Colours only on a TTY and never with
 * NO_COLOR. Sleeve names and messages are escaped before they are shown.
 */
import { escapeControl } from '../escape.js';
import type { SleeveResult, SleeveStatus } from './types.js';

export interface Progress {
  queued(name: string): void;
  started(name: string): void;
  finished(result: SleeveResult): void;
  note(text: string): void;
  close(): void;
}

/** Escapes control, separator and bidi characters (newlines included): names and paths from sleeves are untrusted. */
export const escapeTerminal = escapeControl;

export function displayStatus(r: Pick<SleeveResult, 'status' | 'denials'>): string {
  return r.denials.length > 0 ? 'denied' : r.status;
}

const COLORS: Partial<Record<string, string>> = {
  ok: '32',
  denied: '31',
  failed: '31',
  crashed: '31',
  oom: '31',
  timeout: '33',
  interrupted: '33',
  cancelled: '33',
  skipped: '33',
  running: '36',
};

export function createProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv, now: () => number = Date.now): Progress {
  const tty = stream.isTTY === true && env.TERM !== 'dumb';
  const color = tty && env.NO_COLOR === undefined;
  const paint = (status: string, text: string) => (color && COLORS[status] ? `\u001b[${COLORS[status]}m${text}\u001b[0m` : text);
  const describe = (r: SleeveResult) => {
    const status = displayStatus(r);
    const extra = r.denials.length > 0 ? ` (${r.denials.length} denial${r.denials.length === 1 ? '' : 's'}: ${escapeTerminal(r.denials[0]?.path ?? '')})` : '';
    const code = r.status === 'ok' ? '' : ` exit ${r.exitCode ?? r.signal ?? '?'}`;
    return `${paint(status, status)}${code} in ${(r.durationMs / 1000).toFixed(1)}s${extra}`;
  };
  if (!tty) {
    return {
      queued: () => {},
      started: (name) => stream.write(`[${escapeTerminal(name)}] running\n`),
      finished: (r) => stream.write(`[${escapeTerminal(r.name)}] ${describe(r)}\n`),
      note: (text) => stream.write(`${escapeTerminal(text)}\n`),
      close: () => {},
    };
  }
  const order: string[] = [];
  const lines = new Map<string, { status: SleeveStatus | 'denied'; since: number; text?: string }>();
  let drawn = 0;
  const draw = () => {
    let out = drawn > 0 ? `\u001b[${drawn}A` : '';
    for (const name of order) {
      const l = lines.get(name);
      if (!l) continue;
      const body = l.text ?? (l.status === 'running' ? `${paint('running', 'running')} ${((now() - l.since) / 1000).toFixed(1)}s` : l.status);
      out += `\u001b[2K${escapeTerminal(name).padEnd(24)} ${body}\n`;
    }
    drawn = order.length;
    stream.write(out);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  return {
    queued(name) {
      order.push(name);
      lines.set(name, { status: 'queued', since: now() });
      draw();
    },
    started(name) {
      lines.set(name, { status: 'running', since: now() });
      draw();
    },
    finished(r) {
      lines.set(r.name, { status: displayStatus(r) as SleeveStatus, since: now(), text: describe(r) });
      draw();
    },
    note(text) {
      stream.write(`${escapeTerminal(text)}\n`);
      drawn = 0;
      draw();
    },
    close() {
      clearInterval(timer);
      draw();
    },
  };
}
