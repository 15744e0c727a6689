/**
 * `sleeve-sandbox vendor <package> --into <dir>`: isolate mode loads only a
 * sleeve's own modules, so a package it uses is bundled into one ES module
 * file beside the sleeve (esbuild, the package and its dependencies), to be
 * imported with a relative path. The file is then the sleeve's own code: the
 * runner compiles it and decides its import against the policy like any
 * other module.
 *
 * Only pure packages can be vendored: an import of a Node built-in anywhere in
 * the package's graph is refused (exit 2) with the importer and the fix, since
 * the isolate has no Node API. What the isolate does have (TextEncoder, URL,
 * Buffer, timers, crypto.getRandomValues...) comes from its web platform; the
 * package is resolved as neither Node nor a browser would (the `import` and
 * `default` export conditions), so a package's browser-only variant, which
 * expects a DOM, is not chosen.
 */
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { UsageError } from '../../policies/errors.js';
import type { Io } from '../io.js';

export interface VendorOptions {
  /** The package specifier: a name (`zod`), a scoped name, or a subpath (`zod/mini`). */
  pkg: string;
  /** The directory the bundle goes into (created when missing). */
  into: string;
  /** Where the package is resolved from (its node_modules): default the current directory. */
  from?: string;
  json: boolean;
}

const SPECIFIER = /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[\w.-]+)*$/i;

/** `@scope/name/sub` -> `scope__name__sub.mjs`: a file name that says what it holds. */
export function vendorFileName(pkg: string): string {
  return `${pkg.replace(/^@/, '').replace(/\//g, '__')}.mjs`;
}

/** The package.json of the package a resolved entry file belongs to (its name and version for the banner). */
function packageInfo(file: string, name: string): { version: string; license: string } {
  let dir = path.dirname(file);
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        const json = JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string; version?: string; license?: string };
        if (json.name === name) return { version: String(json.version ?? 'unknown'), license: String(json.license ?? 'unknown') };
      } catch {
        // not this one
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return { version: 'unknown', license: 'unknown' };
    dir = up;
  }
}

export async function vendorCommand(opts: VendorOptions, io: Io): Promise<number> {
  if (isBuiltin(opts.pkg)) {
    throw new UsageError(`vendor: ${opts.pkg} is a Node built-in, which isolate mode does not have: run the sleeve in process mode`);
  }
  if (!SPECIFIER.test(opts.pkg)) {
    throw new UsageError(`vendor: ${JSON.stringify(opts.pkg)} is not a package name (e.g. zod, @scope/name or name/subpath)`);
  }
  const from = path.resolve(io.cwd, opts.from ?? '.');
  const into = path.resolve(io.cwd, opts.into);
  const packageName = opts.pkg.startsWith('@') ? opts.pkg.split('/').slice(0, 2).join('/') : (opts.pkg.split('/')[0] as string);

  // Where the package's entry is, as an ES import from `from` would find it.
  let entry: string | undefined;
  const finder: esbuild.Plugin = {
    name: 'sleeve-sandbox-vendor-find',
    setup(build) {
      build.onResolve({ filter: /^sleeve-sandbox-vendor:entry$/ }, async () => {
        const r = await build.resolve(opts.pkg, { kind: 'import-statement', resolveDir: from });
        if (r.errors.length > 0) return { errors: r.errors };
        entry = r.path;
        return { path: 'entry', namespace: 'sleeve-sandbox-vendor', external: false };
      });
      build.onLoad({ filter: /.*/, namespace: 'sleeve-sandbox-vendor' }, () => ({ contents: '', loader: 'js' }));
    },
  };
  try {
    await esbuild.build({
      stdin: { contents: "import 'sleeve-sandbox-vendor:entry';", resolveDir: from },
      absWorkingDir: from,
      bundle: true,
      write: false,
      platform: 'neutral',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
      plugins: [finder],
    });
  } catch {
    // reported below
  }
  if (entry === undefined) {
    throw new UsageError(
      `vendor: cannot find the package ${opts.pkg} from ${from}: install it there first (npm install --save-exact ${packageName}), or give --from <dir> where its node_modules is`,
    );
  }

  const refuseBuiltins: esbuild.Plugin = {
    name: 'sleeve-sandbox-vendor-builtins',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        const importer = args.importer ? path.relative(from, args.importer) : opts.pkg;
        return {
          errors: [
            {
              text: `${opts.pkg} needs the Node built-in ${JSON.stringify(args.path)} (imported by ${importer}): isolate mode has no Node API, so this package cannot be vendored for it; run the sleeve in process mode`,
            },
          ],
        };
      });
    },
  };
  const info = packageInfo(entry, packageName);
  let result: esbuild.BuildResult;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: from,
      bundle: true,
      write: false,
      platform: 'neutral',
      mainFields: ['module', 'main'],
      format: 'esm',
      target: 'es2022',
      legalComments: 'eof',
      logLevel: 'silent',
      outfile: path.join(into, vendorFileName(opts.pkg)),
      banner: {
        js: `// ${opts.pkg}@${info.version} (${info.license}), bundled by \`sleeve-sandbox vendor\` for isolate mode: do not edit; vendor it again to update.`,
      },
      plugins: [refuseBuiltins],
    });
  } catch (error) {
    const failure = error as esbuild.BuildFailure;
    const messages = (failure.errors ?? []).slice(0, 5).map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text));
    throw new UsageError(`vendor: ${messages.length > 0 ? messages.join('\n') : String(error)}`);
  }
  const output = result.outputFiles?.[0];
  if (!output) throw new UsageError(`vendor: esbuild produced no output for ${opts.pkg}`);
  fs.mkdirSync(into, { recursive: true });
  fs.writeFileSync(output.path, output.text);
  const rel = path.relative(io.cwd, output.path) || output.path;
  if (opts.json) {
    io.stdout(`${JSON.stringify({ package: opts.pkg, version: info.version, file: output.path, bytes: output.contents.byteLength })}\n`);
  } else {
    io.stdout(
      `vendored ${opts.pkg}@${info.version} into ${rel} (${output.contents.byteLength} bytes): import it with a relative path, e.g. import ... from './${path.basename(into)}/${path.basename(output.path)}'\n`,
    );
  }
  return 0;
}
