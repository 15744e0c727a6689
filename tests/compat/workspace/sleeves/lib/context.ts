// The sleeve contract's context (types only: erased at compile time), as
// sandbox/context.ts defines it. Kept here so the workspace stands alone.
export interface SleeveFs {
  readFile(path: string): Promise<Uint8Array>;
  readFile(path: string, encoding: string): Promise<string>;
  readText(path: string): Promise<string>;
  readJson(path: string): Promise<unknown>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  writeText(path: string, text: string): Promise<void>;
  writeJson(path: string, value: unknown): Promise<void>;
  readdir(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
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
