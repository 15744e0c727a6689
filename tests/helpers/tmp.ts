import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** A fresh real directory under the OS temp dir; `cleanup()` removes it. */
export function makeTempDir(prefix = 'sleeve-sandbox-'): { dir: string; cleanup: () => void } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files (relative path -> contents) under `root`, creating directories. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, contents] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, contents);
  }
}

/** Writes one file under `dir` (creating directories); returns its path. */
export function writeFile(dir: string, relative: string, text: string): string {
  const file = path.join(dir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** Runs `fn` with a fresh temp dir, removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const tmp = makeTempDir(prefix);
  try {
    return await fn(tmp.dir);
  } finally {
    tmp.cleanup();
  }
}

/** A workspace shaped like the real thing: lakehouse data, the shared candidates file, runs/. */
export function makeWorkspace(): { dir: string; cleanup: () => void } {
  const tmp = makeTempDir('sleeve-ws-');
  writeTree(tmp.dir, {
    'data/lakehouse/AAPL.csv': 'date,close\n2024-01-02,185.6\n',
    'data/lakehouse/MSFT.csv': 'date,close\n2024-01-02,370.9\n',
    'data/lakehouse/ohlcv/SPY.csv': 'date,close\n2024-01-02,472.7\n',
    'data/lakehouse/portfolio_candidates.json': '["AAPL","MSFT"]\n',
    'secrets/token.txt': 's3cr3t\n',
  });
  fs.mkdirSync(path.join(tmp.dir, 'runs'), { recursive: true });
  return tmp;
}

export interface SuiteTemp {
  /** A makeWorkspace() with the suite's files and then `files` written in. */
  workspace: (files?: Record<string, string>) => string;
  /** A plain temp dir. */
  tempDir: (prefix?: string) => string;
}

/**
 * The temp dirs of one suite, all removed after it: call it at the top of a
 * describe (or of the file), where it registers the `after` hook. Every
 * workspace it makes gets `files` (sleeves, policies) first.
 */
export function suiteTemp(files: Record<string, string> = {}): SuiteTemp {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups.reverse()) c();
  });
  return {
    workspace: (more = {}) => {
      const ws = makeWorkspace();
      cleanups.push(ws.cleanup);
      writeTree(ws.dir, { ...files, ...more });
      return ws.dir;
    },
    tempDir: (prefix) => {
      const tmp = makeTempDir(prefix);
      cleanups.push(tmp.cleanup);
      return tmp.dir;
    },
  };
}

/** Sorted relative paths of everything below `dir` (directories end in "/"). */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${r}/`);
        walk(path.join(d, e.name), r);
      } else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Every entry under `dir` (mode, link count, mtime, bytes or link target), minus excluded paths: compare two to see what changed. */
export function snapshotTree(dir: string, exclude: (rel: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (abs: string, rel: string) => {
    let names: string[] = [];
    try {
      names = fs.readdirSync(abs);
    } catch {
      return;
    }
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      if (exclude(r)) continue;
      const p = path.join(abs, name);
      const st = fs.lstatSync(p, { bigint: true });
      let body = '';
      if (st.isSymbolicLink()) body = `-> ${fs.readlinkSync(p)}`;
      else if (st.isFile()) body = fs.readFileSync(p).toString('base64');
      out.set(r, `${st.mode}:${st.nlink}:${st.mtimeNs}:${body}`);
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(dir, '');
  return out;
}
