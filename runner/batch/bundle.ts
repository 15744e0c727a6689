/**
 * Compiles each distinct sleeve entry once per batch with esbuild into one
 * ES module file: the sleeve's OWN code (TypeScript and JavaScript of its
 * directory tree), never its packages. Packages stay where npm put them and
 * Node loads them at run time the way it always does, so a package that
 * reads its own package.json, uses __dirname, `bindings`, createRequire,
 * optional platform packages or a `.node` addon works as in plain Node.
 *
 * - Every import that resolves into a `node_modules` directory is external:
 *   its specifier is replaced by the file Node would load (resolved with
 *   Node's rules: "main" only, the conditions node/import|require/default,
 *   and module-sync where this node has require(esm)), so the bundle may
 *   live anywhere. Node built-ins are external too.
 * - Each own file is transformed on its own first, so `__filename`,
 *   `__dirname`, `import.meta.url`, `import.meta.filename` and
 *   `import.meta.dirname` are that source file's (a local binding of the
 *   same name is left alone), and its inline source map is carried into the
 *   bundle's: stack traces show the source files and lines.
 * - The `node_modules` directories Node may load from (those on the entry's
 *   path, and the package roots the imports resolved to) are returned as
 *   `packageDirs`: the runner grants them as code, read-only, at every layer.
 *
 * What a bundle may contain is checked here, because bundling reads files on
 * the sleeve's behalf: only code files (no JSON, text or other data loaders),
 * only from the entry's own directory tree, and never a file a policy
 * read-deny rule names (nor may an import resolve to such a package file).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { ConfigError, type Diagnostic } from '../../policies/errors.js';
import type { IsolateModules } from '../../sandbox/protocol.js';

const CODE_RE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

export interface BundleRequest {
  /** Absolute entry path. */
  entry: string;
  /** Who asked, for messages: `sleeve ma_long (manifest.json:7:5)`. */
  where: string;
  /** Real paths no bundle may read (the policy's read denies, resolved). */
  isDenied: (absPath: string) => boolean;
}

export interface Bundle {
  /** The compiled ES module. */
  file: string;
  /** Node built-ins it imports (for the guard to patch eagerly). */
  builtins: string[];
  /** Real directories of installed packages Node may load code from: granted as code, read-only. */
  packageDirs: string[];
}

export class BundleError extends ConfigError {
  constructor(diagnostics: Diagnostic[]) {
    super('EBUNDLE', diagnostics);
  }
}

const inPackages = (file: string) => file.split(path.sep).includes('node_modules');

/** The message for a file a sleeve may not compile in, or undefined when it may. */
function refusal(req: BundleRequest, root: string, file: string): string | undefined {
  if (!CODE_RE.test(file)) {
    return `only code files can be imported by a sleeve, not ${file}: read data through the fs API at run time, where the policy decides`;
  }
  if (!inPackages(file) && file !== root && !file.startsWith(`${root}${path.sep}`)) {
    return `a sleeve may import code only from its own directory (${root}) or node_modules, not ${file}`;
  }
  if (req.isDenied(file)) return `${file} is denied by the policy's read rules and cannot be imported`;
  return undefined;
}

/** What a sleeve may import, checked as esbuild reads each file (the same for both modes). */
function importGuard(req: BundleRequest, root: string): esbuild.Plugin {
  return {
    name: 'sleeve-sandbox-imports',
    setup(build) {
      build.onLoad({ filter: /.*/ }, (args) => {
        const why = refusal(req, root, args.path);
        return why === undefined ? undefined : { errors: [{ text: why }] };
      });
    },
  };
}

const LOADERS: Record<string, esbuild.Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' };

/** Per-file values of the module-scope names Node gives each file. */
function fileDefines(file: string): Record<string, string> {
  const dir = JSON.stringify(path.dirname(file));
  const name = JSON.stringify(file);
  return {
    __filename: name,
    __dirname: dir,
    'import.meta.url': JSON.stringify(pathToFileURL(file).href),
    'import.meta.filename': name,
    'import.meta.dirname': dir,
  };
}

/** The nearest directory at or above `file` whose package.json names a package (its root). */
function packageRoot(file: string): string {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (typeof pkg.name === 'string') return dir;
    } catch {
      // none here, or not JSON: a nested {"type": ...} file is not a root either
    }
    if (path.dirname(dir) === dir) return path.dirname(file);
  }
}

/** The text of the tsconfig.json nearest to a file, for the per-file transform (as esbuild's build would use it). */
function tsconfigFor(file: string, cache: Map<string, string | undefined>): string | undefined {
  const dir = path.dirname(file);
  if (cache.has(dir)) return cache.get(dir);
  let found: string | undefined;
  try {
    found = fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8');
  } catch {
    found = path.dirname(dir) === dir ? undefined : tsconfigFor(dir, cache);
  }
  cache.set(dir, found);
  return found;
}

/** Every `node_modules` directory Node's resolution would search from `dir`, real paths. */
export function nodeModulesOnPath(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    if (path.basename(d) !== 'node_modules') {
      const nm = path.join(d, 'node_modules');
      try {
        if (fs.statSync(nm).isDirectory()) out.push(fs.realpathSync(nm));
      } catch {
        // not there
      }
    }
    if (path.dirname(d) === d) return out;
  }
}

/** Own code is compiled in; everything in node_modules stays outside, loaded by Node from where it is. */
function ownCodeOnly(req: BundleRequest, root: string, packageRoots: Set<string>): esbuild.Plugin {
  const tsconfigs = new Map<string, string | undefined>();
  return {
    name: 'sleeve-sandbox-own-code',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'sleeve-sandbox-inner' || args.kind === 'entry-point' || isBuiltin(args.path)) return undefined;
        const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'sleeve-sandbox-inner' });
        if (r.errors.length > 0) return { errors: r.errors };
        if (r.external || !inPackages(r.path)) return r.external ? { path: r.path, external: true } : undefined;
        const real = fs.realpathSync(r.path);
        if (req.isDenied(r.path) || req.isDenied(real)) return { errors: [{ text: `${real} is denied by the policy's read rules and cannot be imported` }] };
        packageRoots.add(packageRoot(real));
        // require() takes a path; import takes a URL (a path with # or % in it is not one).
        return { path: args.kind === 'require-call' || args.kind === 'require-resolve' ? real : pathToFileURL(real).href, external: true };
      });
      build.onLoad({ filter: /.*/ }, async (args) => {
        const why = refusal(req, root, args.path);
        if (why !== undefined) return { errors: [{ text: why }] };
        const source = await fs.promises.readFile(args.path, 'utf8');
        const tsconfigRaw = tsconfigFor(args.path, tsconfigs);
        let result: esbuild.TransformResult;
        try {
          result = await esbuild.transform(source, {
            ...(tsconfigRaw === undefined ? {} : { tsconfigRaw }),
            loader: LOADERS[path.extname(args.path)] ?? 'js',
            sourcefile: args.path,
            sourcemap: 'inline',
            define: fileDefines(args.path),
            logLevel: 'silent',
          });
        } catch (error) {
          // A syntax error: its own messages, with the file, line and column they name.
          const failure = error as esbuild.TransformFailure;
          if (Array.isArray(failure.errors)) return { errors: failure.errors };
          throw error;
        }
        return { contents: result.code, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

function bundleError(error: unknown, req: BundleRequest): BundleError {
  const failure = error as esbuild.BuildFailure;
  const messages = failure.errors ?? [{ text: String(error), location: null }];
  return new BundleError(
    messages.slice(0, 10).map((m) => ({
      file: m.location?.file ? path.resolve(m.location.file) : req.entry,
      line: m.location?.line ?? 1,
      column: (m.location?.column ?? 0) + 1,
      jsonPath: '',
      level: 'error' as const,
      message: `${req.where}: ${m.text}`,
    })),
  );
}

export async function bundleEntry(req: BundleRequest, outDir: string): Promise<Bundle> {
  const root = path.dirname(req.entry);
  const hash = createHash('sha256').update(req.entry).digest('hex').slice(0, 16);
  const outfile = path.join(outDir, `${path.basename(req.entry).replace(/\W+/g, '_')}.${hash}.mjs`);
  const packageRoots = new Set<string>();
  let result: esbuild.BuildResult<{ metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [req.entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      metafile: true,
      write: true,
      logLevel: 'silent',
      sourcemap: 'inline',
      // Node's resolution: "main" only (never "module"), and no "module" condition.
      mainFields: ['main'],
      conditions: process.features.require_module ? ['module-sync'] : [],
      // Own CommonJS code calls require() for packages and built-ins: give it one.
      banner: { js: "import { createRequire as __sleeveCreateRequire } from 'node:module'; const require = __sleeveCreateRequire(import.meta.url);" },
      plugins: [ownCodeOnly(req, root, packageRoots)],
    });
  } catch (error) {
    throw bundleError(error, req);
  }
  const builtins = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) {
      if (imp.external && isBuiltin(imp.path)) builtins.add(imp.path.replace(/^node:/, ''));
    }
  }
  // Node loads packages from the node_modules on the entry's path (and a package's
  // own dependencies from those on its real path): grant them, never more.
  const dirs = new Set(nodeModulesOnPath(fs.realpathSync(root)));
  const covered = (p: string) => [...dirs].some((d) => p === d || p.startsWith(`${d}/`));
  for (const pkg of packageRoots) {
    if (covered(pkg)) continue;
    dirs.add(pkg);
    for (const nm of nodeModulesOnPath(pkg)) dirs.add(nm);
  }
  return { file: outfile, builtins: [...builtins].sort(), packageDirs: [...dirs].sort() };
}

/**
 * Isolate mode: each of the sleeve's files is compiled on its own into an ES
 * module (no bundle), so the isolate host can decide every import against the
 * policy when it happens. The import graph and what each specifier resolves
 * to come from esbuild's resolver; what an isolate cannot have is refused
 * here, with the file and line: Node built-ins, packages, CommonJS, dynamic
 * import().
 */
export async function compileIsolateModules(req: BundleRequest, outDir: string): Promise<IsolateModules> {
  const root = path.dirname(req.entry);
  const cwd = process.cwd();
  const refuseOutside: esbuild.Plugin = {
    name: 'sleeve-sandbox-isolate-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (isBuiltin(args.path)) {
          return {
            errors: [
              {
                text: `import of the Node built-in ${JSON.stringify(args.path)}: a sleeve in isolate mode has no Node API; use ctx.fs and ctx.log, or run it in process mode`,
              },
            ],
          };
        }
        if (args.kind === 'dynamic-import') return { errors: [{ text: 'dynamic import() is not available in isolate mode: use a static import' }] };
        if (args.kind === 'require-call' || args.kind === 'require-resolve') {
          return { errors: [{ text: 'require() is not available in isolate mode: write the sleeve as an ES module (import/export)' }] };
        }
        if (!args.path.startsWith('.') && !path.isAbsolute(args.path)) {
          return {
            errors: [
              {
                text: `import of the package ${JSON.stringify(args.path)}: isolate mode loads only the sleeve's own modules (relative imports); bundle the package code in beside the sleeve or run it in process mode`,
              },
            ],
          };
        }
        return undefined;
      });
    },
  };
  let result: esbuild.BuildResult<{ metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [req.entry],
      outfile: path.join(outDir, 'unused.mjs'),
      absWorkingDir: cwd,
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      metafile: true,
      write: false,
      logLevel: 'silent',
      plugins: [refuseOutside, importGuard(req, root)],
    });
  } catch (error) {
    throw bundleError(error, req);
  }
  const hash = createHash('sha256').update(`isolate\0${req.entry}`).digest('hex').slice(0, 16);
  const dir = path.join(outDir, `isolate-${hash}`);
  fs.mkdirSync(dir, { recursive: true });
  const files: IsolateModules['files'] = {};
  let n = 0;
  for (const [key, input] of Object.entries(result.metafile.inputs)) {
    const file = path.resolve(cwd, key);
    if (input.format === 'cjs') {
      throw bundleError(
        { errors: [{ text: `${file} is CommonJS (require/module.exports), which isolate mode does not have: write it as an ES module`, location: null }] },
        req,
      );
    }
    const source = fs.readFileSync(file, 'utf8');
    let code: string;
    try {
      code = (
        await esbuild.transform(source, {
          loader: LOADERS[path.extname(file)] ?? 'js',
          format: 'esm',
          target: 'es2022',
          sourcefile: file,
          sourcemap: 'inline',
          logLevel: 'silent',
        })
      ).code;
    } catch (error) {
      throw bundleError(error, req);
    }
    const out = path.join(dir, `${n++}-${path.basename(file).replace(/\W+/g, '_')}.mjs`);
    fs.writeFileSync(out, code);
    const imports: Record<string, string> = {};
    for (const imp of input.imports) {
      if (imp.original !== undefined && !imp.external) imports[imp.original] = path.resolve(cwd, imp.path);
    }
    files[file] = { code: out, imports };
  }
  const entry = files[req.entry] ? req.entry : fs.realpathSync(req.entry);
  return { entry, files };
}
