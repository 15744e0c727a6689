/**
 * Compiles each distinct sleeve entry once per batch with esbuild into one
 * ES module file (TypeScript and JavaScript alike), so no sleeve pays for a
 * transpile and the Node permission layer needs to grant only that one file.
 *
 * What a bundle may contain is checked here, because bundling reads files on
 * the sleeve's behalf: only code files (no JSON, text or other data loaders),
 * only from the entry's own directory tree or node_modules, and never a file
 * a policy read-deny rule names.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
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
}

export class BundleError extends ConfigError {
  constructor(diagnostics: Diagnostic[]) {
    super('EBUNDLE', diagnostics);
  }
}

/** What a sleeve may import, checked as esbuild reads each file (the same for both modes). */
function importGuard(req: BundleRequest, root: string): esbuild.Plugin {
  return {
    name: 'sleeve-sandbox-imports',
    setup(build) {
      build.onLoad({ filter: /.*/ }, (args) => {
        const file = args.path;
        const inPackages = file.split(path.sep).includes('node_modules');
        if (!CODE_RE.test(file)) {
          return { errors: [{ text: `only code files can be imported by a sleeve, not ${file}: read data through the fs API at run time, where the policy decides` }] };
        }
        if (!inPackages && file !== root && !file.startsWith(`${root}${path.sep}`)) {
          return { errors: [{ text: `a sleeve may import code only from its own directory (${root}) or node_modules, not ${file}` }] };
        }
        if (req.isDenied(file)) {
          return { errors: [{ text: `${file} is denied by the policy's read rules and cannot be imported` }] };
        }
        return undefined;
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
  const guard = importGuard(req, root);
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
      // CommonJS code in the bundle may call require(): give it one.
      banner: { js: "import { createRequire as __sleeveCreateRequire } from 'node:module'; const require = __sleeveCreateRequire(import.meta.url);" },
      plugins: [guard],
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
  return { file: outfile, builtins: [...builtins].sort() };
}

const LOADERS: Record<string, esbuild.Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' };

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
            errors: [{ text: `import of the Node built-in ${JSON.stringify(args.path)}: a sleeve in isolate mode has no Node API; use ctx.fs and ctx.log, or run it in process mode` }],
          };
        }
        if (args.kind === 'dynamic-import') return { errors: [{ text: 'dynamic import() is not available in isolate mode: use a static import' }] };
        if (args.kind === 'require-call' || args.kind === 'require-resolve') {
          return { errors: [{ text: 'require() is not available in isolate mode: write the sleeve as an ES module (import/export)' }] };
        }
        if (!args.path.startsWith('.') && !path.isAbsolute(args.path)) {
          return {
            errors: [{ text: `import of the package ${JSON.stringify(args.path)}: isolate mode loads only the sleeve's own modules (relative imports); bundle the package code in beside the sleeve or run it in process mode` }],
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
      throw bundleError({ errors: [{ text: `${file} is CommonJS (require/module.exports), which isolate mode does not have: write it as an ES module`, location: null }] }, req);
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
