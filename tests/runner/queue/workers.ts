/**
 * Queue tests' fixtures: a copy of the example workspace per "machine" (a
 * submitter, and each worker's replica), and real `sleeve-sandbox worker`
 * processes over them, stopped by pid after the test.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childEnv, repoRoot, startBin } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/tmp.js';

export const EXAMPLE = path.join(repoRoot, 'examples', 'meta-portfolio');

/** A copy of the example workspace (no runs, reports or artifacts) at `<root>/<name>`. */
export function copyExample(root: string, name: string): string {
  const dir = path.join(root, name);
  fs.cpSync(EXAMPLE, dir, {
    recursive: true,
    filter: (src) => !['runs', 'reports', 'artifacts'].includes(path.relative(EXAMPLE, src).split(path.sep)[0] ?? ''),
  });
  return dir;
}

export interface TestWorker {
  id: string;
  proc: ChildProcess;
  log: () => string;
  /** Waits for the worker to say it is ready. */
  ready: Promise<void>;
  exited: Promise<number | null>;
}

export function startWorkerProc(url: string, workspace: string, id: string, extra: string[] = []): TestWorker {
  const proc = startBin(['worker', '--queue', url, '--workspace', workspace, '--id', id, ...extra], workspace, childEnv());
  let log = '';
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
    log += s;
  });
  proc.stdout?.resume();
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (log.includes(': ready')) {
        clearInterval(t);
        resolve();
      }
    }, 50);
    exited.then(() => {
      clearInterval(t);
      reject(new Error(`worker ${id} exited before it was ready:\n${log}`));
    });
  });
  return { id, proc, log: () => log, ready, exited };
}

/** SIGKILLs each worker still alive (by its pid) and waits for it. */
export async function stopWorkers(workers: readonly TestWorker[]): Promise<void> {
  for (const w of workers) {
    if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await w.exited;
  }
}

export function tempRoot(prefix: string): { dir: string; cleanup: () => void } {
  return makeTempDir(prefix);
}
