/** The effective policy after `extends`: what the engine and compilers consume. */

export interface RuleOrigin {
  file: string;
  line: number;
  column: number;
  /** JSON path in the file, e.g. `fs.read.deny[0]`. */
  jsonPath: string;
}

export interface PatternRule {
  /** The pattern as written, variables unexpanded. */
  readonly pattern: string;
  readonly origin: RuleOrigin;
  /** Set on a rule that binding made (batch-run-dirs.ts): the pattern as written, `{batchRunDirs}` unbound. */
  readonly written?: string;
}

export interface DenyRule extends PatternRule {
  readonly reason?: string;
}

export interface AccessRules {
  readonly allow: readonly PatternRule[];
  readonly deny: readonly DenyRule[];
}

export type FsOp = 'read' | 'write';

export interface PolicySource {
  readonly name: string;
  readonly file: string;
  readonly kind: 'builtin' | 'workspace' | 'file';
}

/** One file of a policy's chain, with the sha256 of the text the loader read (for reports). */
export interface ChainEntry extends PolicySource {
  readonly sha256: string;
}

export interface ResolvedPolicy {
  readonly name: string;
  readonly description: string;
  /** The policy file itself first, then each base it extends. */
  readonly chain: readonly ChainEntry[];
  readonly fs: Readonly<Record<FsOp, AccessRules>>;
  readonly env: { readonly pass: readonly string[]; readonly set: Readonly<Record<string, string>> };
  readonly net: boolean;
  readonly process: { readonly childProcess: boolean; readonly workers: boolean; readonly addons: boolean };
  readonly resources: { readonly memoryMiB?: number; readonly timeoutSeconds?: number; readonly cpus?: number };
  readonly requires: readonly PatternRule[];
  /** Globs the auditor hashes; defaults to data/lakehouse/** when no policy in the chain sets it. */
  readonly protect: readonly string[];
  /** Where sleeve code runs: "isolate" when any policy of the chain asks for it, else "process". */
  readonly mode: 'process' | 'isolate';
  /** The OS layer the chain asks for: the strictest setting of any policy in it ("auto" when none sets one). */
  readonly osLayer: import('./schema.js').OsLayerSetting;
  /** Where the strictest osLayer setting was written (absent when no policy of the chain sets one). */
  readonly osLayerFrom?: string;
}
