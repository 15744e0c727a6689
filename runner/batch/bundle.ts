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
import { isBuiltin } from 'node:module';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ConfigError, type Diagnostic } from '../../policies/errors.js';

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

export async function bundleEntry(req: BundleRequest, outDir: string): Promise<Bundle> {
  const root = path.dirname(req.entry);
  const hash = createHash('sha256').update(req.entry).digest('hex').slice(0, 16);
  const outfile = path.join(outDir, `${path.basename(req.entry).replace(/\W+/g, '_')}.${hash}.mjs`);
  const guard: esbuild.Plugin = {
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
    const failure = error as esbuild.BuildFailure;
    const messages = failure.errors ?? [{ text: String(error), location: null }];
    throw new BundleError(
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
  const builtins = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) {
      if (imp.external && isBuiltin(imp.path)) builtins.add(imp.path.replace(/^node:/, ''));
    }
  }
  return { file: outfile, builtins: [...builtins].sort() };
}
