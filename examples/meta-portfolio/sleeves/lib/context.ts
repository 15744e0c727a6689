// The context a sleeve receives from sleeve-sandbox (see the "Contracts" section of the design).
//
// Sleeves in this workspace use ONLY this object: no `node:*` imports, no `process`, no
// `console`, no timers. That keeps every file runnable both as a process-mode sleeve (where
// `ctx.fs` is the guarded `fs/promises`) and inside a V8 isolate (where `ctx.fs` is the
// capability bridge and no Node API exists at all).

// The type of `ctx` comes from the package itself: this example lies inside the sleeve-sandbox
// package, so its name resolves (Node's and TypeScript's self-reference through package.json
// `exports`) to the declarations the runner is built from. The re-export is type-only: esbuild
// erases it when the runner compiles a sleeve, so a copy of this example elsewhere still runs (a
// workspace of your own: `npm install sleeve-sandbox`, or keep a copy as `sleeve-sandbox init` does).
export type { SleeveContext, SleeveFs } from 'sleeve-sandbox';

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
