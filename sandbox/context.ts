/**
 * The context object a sleeve's default export receives. In process mode its
 * `fs` calls the guarded `fs/promises`; isolate mode offers the same shape
 * across the isolate boundary, so one sleeve file runs in both.
 */
import type fsPromises from 'node:fs/promises';

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

export function createSleeveFs(p: typeof fsPromises): SleeveFs {
  return Object.freeze({
    readFile: (file: string, encoding?: BufferEncoding) => (encoding ? p.readFile(file, encoding) : p.readFile(file)),
    readText: (file: string) => p.readFile(file, 'utf8'),
    readJson: async (file: string) => JSON.parse(await p.readFile(file, 'utf8')) as unknown,
    writeFile: (file: string, data: string | Uint8Array) => p.writeFile(file, data),
    writeText: (file: string, text: string) => p.writeFile(file, text, 'utf8'),
    writeJson: (file: string, value: unknown) => p.writeFile(file, `${JSON.stringify(value, null, 2)}\n`, 'utf8'),
    appendFile: (file: string, data: string | Uint8Array) => p.appendFile(file, data),
    readdir: (dir: string) => p.readdir(dir),
    async stat(file: string) {
      const st = await p.stat(file);
      return { size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile(), isDirectory: st.isDirectory() };
    },
    async exists(file: string) {
      try {
        await p.access(file);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
    async mkdir(dir: string, options?: { recursive?: boolean }) {
      await p.mkdir(dir, { recursive: options?.recursive ?? false });
    },
    rm: (file: string, options?: { recursive?: boolean; force?: boolean }) => p.rm(file, options),
    rename: (from: string, to: string) => p.rename(from, to),
  });
}
