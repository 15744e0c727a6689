// The context a sleeve receives from sleeve-sandbox (see the "Contracts" section of the design).
//
// Sleeves in this workspace use ONLY this object: no `node:*` imports, no `process`, no
// `console`, no timers. That keeps every file runnable both as a process-mode sleeve (where
// `ctx.fs` is the guarded `fs/promises`) and inside a V8 isolate (where `ctx.fs` is the
// capability bridge and no Node API exists at all).

/** The subset of the `fs/promises` API the sleeves use. Relative paths resolve against the workspace root. */
export interface SleeveFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
}

export interface SleeveContext {
  /** Unique per workspace, e.g. `ma_long-20250101T000000Z-1a2b`. */
  runId: string;
  /** Absolute path of `<runsDir>/<runId>` (`runs/<runId>` by default), created by the runner before the sleeve starts. */
  runDir: string;
  /** The sleeve's name from the manifest, e.g. `ma_long`. */
  name: string;
  fs: SleeveFs;
  log: (...args: unknown[]) => void;
}

/** Join a directory and a relative file name with `/` (accepted by Node on every platform). */
export function joinPath(dir: string, ...parts: string[]): string {
  let out = dir.replace(/[\\/]+$/, '');
  for (const part of parts) out = `${out}/${part.replace(/^[\\/]+/, '')}`;
  return out;
}

/** `code` and `message` of anything thrown, without assuming it is an Error. */
export function describeError(err: unknown): { code: string; message: string } {
  if (typeof err === 'object' && err !== null) {
    const rec = err as { code?: unknown; message?: unknown };
    return {
      code: typeof rec.code === 'string' ? rec.code : 'UNKNOWN',
      message: typeof rec.message === 'string' ? rec.message : String(err),
    };
  }
  return { code: 'UNKNOWN', message: String(err) };
}
