/**
 * The context object a sleeve's default export receives. Its `fs` operations
 * are one implementation over the guarded fs module (`createFsOps`): process
 * mode calls them in the sleeve's own realm, isolate mode from the host with
 * the copies the isolate sends, so one sleeve file runs, and is decided, the
 * same in both.
 */
import type fs from 'node:fs';

export interface SleeveStat {
  size: number;
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface SleeveFs {
  readFile(path: string, encoding?: BufferEncoding): Promise<string | Uint8Array>;
  readText(path: string): Promise<string>;
  readJson(path: string): Promise<unknown>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  writeText(path: string, text: string): Promise<void>;
  writeJson(path: string, value: unknown): Promise<void>;
  appendFile(path: string, data: string | Uint8Array): Promise<void>;
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<SleeveStat>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

export interface SleeveContext {
  runId: string;
  runDir: string;
  name: string;
  workspace: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  fs: SleeveFs;
  log(...args: unknown[]): void;
}

export type FsOp = (a: unknown, b: unknown, c: unknown) => unknown;

/**
 * The operations of ctx.fs, synchronous, over the (guarded) fs module: one
 * implementation for both modes. Process mode wraps them in promises; the
 * isolate host calls them with the copies the isolate sends. Each takes what
 * it is given as is, so Node validates it and the guard decides it exactly as
 * for a direct call.
 */
export function createFsOps(gfs: typeof fs): Map<string, FsOp> {
  const p = (x: unknown) => x as string;
  return new Map<string, FsOp>([
    ['readFile', (file, encoding) => (encoding ? gfs.readFileSync(p(file), encoding as BufferEncoding) : gfs.readFileSync(p(file)))],
    ['writeFile', (file, data, encoding) => gfs.writeFileSync(p(file), data as string, encoding as BufferEncoding | undefined)],
    ['appendFile', (file, data) => gfs.appendFileSync(p(file), data as string)],
    ['readdir', (dir) => gfs.readdirSync(p(dir))],
    [
      'stat',
      (file) => {
        const st = gfs.statSync(p(file));
        return { size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile(), isDirectory: st.isDirectory() };
      },
    ],
    [
      'exists',
      (file) => {
        try {
          gfs.accessSync(p(file));
          return true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
          throw error;
        }
      },
    ],
    [
      'mkdir',
      (dir, options) => {
        gfs.mkdirSync(p(dir), { recursive: (options as { recursive?: boolean } | undefined)?.recursive ?? false });
      },
    ],
    ['rm', (file, options) => gfs.rmSync(p(file), options as fs.RmOptions | undefined)],
    ['rename', (from, to) => gfs.renameSync(p(from), p(to))],
  ]);
}

/**
 * Process mode's ctx.fs: the same operations as promises. They run
 * synchronously underneath (a sleeve is alone in its process, and a
 * synchronous read is several times cheaper than `fs.promises.readFile`).
 */
export function createSleeveFs(gfs: typeof fs): SleeveFs {
  const ops = createFsOps(gfs);
  const call = (name: string) => {
    const fn = ops.get(name) as FsOp;
    return (a?: unknown, b?: unknown, c?: unknown): Promise<never> => {
      try {
        return Promise.resolve(fn(a, b, c)) as Promise<never>;
      } catch (error) {
        return Promise.reject(error);
      }
    };
  };
  const readFile = call('readFile');
  const writeFile = call('writeFile');
  return Object.freeze({
    readFile,
    readText: (file: string) => readFile(file, 'utf8'),
    readJson: async (file: string) => JSON.parse(await readFile(file, 'utf8')) as unknown,
    writeFile: (file: string, data: string | Uint8Array) => writeFile(file, data),
    writeText: (file: string, text: string) => writeFile(file, text, 'utf8'),
    writeJson: (file: string, value: unknown) => writeFile(file, `${JSON.stringify(value, null, 2)}\n`, 'utf8'),
    appendFile: call('appendFile'),
    readdir: call('readdir'),
    stat: call('stat'),
    exists: call('exists'),
    mkdir: call('mkdir'),
    rm: call('rm'),
    rename: call('rename'),
  }) as SleeveFs;
}
