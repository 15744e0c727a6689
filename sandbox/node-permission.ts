/**
 * Node's permission layer is the floor under the JS guards: where the
 * capability guard lets a module load (the policy allows it, or the API is
 * one it does not refuse by itself, such as `child_process.ChildProcess` or
 * `process.execve`), Node may still refuse the call with ERR_ACCESS_DENIED.
 * Every such refusal must reach the report, wherever it happens. So the
 * surfaces Node's permission model guards are listed here as data, and each
 * function (or class) on them is wrapped: a refusal thrown from it is
 * reported with rule `node-permission`, then rethrown unchanged (the sleeve
 * sees exactly what Node threw).
 *
 * A property the capability guard already replaced with a refusal (it is
 * non-configurable then) is left alone: Node's layer is never reached there.
 * The fs functions are not here: the fs guard reports Node's refusals itself.
 */
import { reflectApply } from './intrinsics.js';

export interface NodeSurface {
  /** The built-in (bare id), or "process" for the process object. */
  module: string;
  /** What the report calls the operation. */
  op: string;
  fns?: readonly string[];
  /** Exported classes (construct and call are both wrapped). */
  classes?: readonly string[];
  /** Exported class -> prototype methods. */
  protos?: Readonly<Record<string, readonly string[]>>;
}

export const NODE_PERMISSION_SURFACES: readonly NodeSurface[] = Object.freeze<NodeSurface[]>([
  {
    module: 'child_process',
    op: 'child_process',
    fns: ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'],
    protos: { ChildProcess: ['spawn'] },
  },
  { module: 'cluster', op: 'child_process', fns: ['fork', 'setupPrimary', 'setupMaster'] },
  { module: 'worker_threads', op: 'worker_threads', classes: ['Worker'] },
  { module: 'wasi', op: 'wasi', classes: ['WASI'] },
  { module: 'inspector', op: 'inspector', fns: ['open', 'waitForDebugger'], protos: { Session: ['connect', 'connectToMainThread'] } },
  { module: 'inspector/promises', op: 'inspector', fns: ['open', 'waitForDebugger'], protos: { Session: ['connect', 'connectToMainThread'] } },
  { module: 'process', op: 'process', fns: ['dlopen', 'execve'] },
]);

/** The codes Node's permission model refuses with (addons on Node 20: ERR_DLOPEN_DISABLED). */
const REFUSAL_CODES: readonly string[] = ['ERR_ACCESS_DENIED', 'ERR_DLOPEN_DISABLED'];

export function isNodeRefusal(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  for (let i = 0; i < REFUSAL_CODES.length; i++) if (code === REFUSAL_CODES[i]) return true;
  return false;
}

export interface NodeRefusal {
  op: string;
  api: string;
  /** What Node named: the permission and the resource, when it did. */
  permission?: string;
  resource?: string;
  message: string;
}

export function surfaceFor(module: string): NodeSurface | undefined {
  for (let i = 0; i < NODE_PERMISSION_SURFACES.length; i++) {
    const s = NODE_PERMISSION_SURFACES[i] as NodeSurface;
    if (s.module === module) return s;
  }
  return undefined;
}

const getOwnDescriptor = Object.getOwnPropertyDescriptor;
const defineProperty = Object.defineProperty;
const reflectConstruct = Reflect.construct;

/**
 * Wraps the surface's functions on `target` (the module's exports object, or
 * process) so that Node's refusals are reported through `report` and rethrown.
 */
export function reportNodeRefusals(target: object, surface: NodeSurface, report: (refusal: NodeRefusal) => void): void {
  const notify = (api: string, error: unknown) => {
    if (!isNodeRefusal(error)) return;
    const e = error as { permission?: unknown; resource?: unknown; message?: unknown };
    report({
      op: surface.op,
      api,
      ...(typeof e.permission === 'string' && e.permission !== '' ? { permission: e.permission } : {}),
      ...(typeof e.resource === 'string' && e.resource !== '' ? { resource: e.resource } : {}),
      message: typeof e.message === 'string' ? e.message : 'refused',
    });
  };
  const replace = (obj: object, name: string, make: (orig: (...args: unknown[]) => unknown) => unknown) => {
    const d = getOwnDescriptor(obj, name);
    if (!d?.configurable || typeof d.value !== 'function') return;
    defineProperty(obj, name, { value: make(d.value), writable: false, configurable: false, enumerable: d.enumerable ?? true });
  };
  const label = surface.module === 'process' ? 'process' : surface.module;
  for (const name of surface.fns ?? []) {
    replace(
      target,
      name,
      (orig) =>
        function reported(this: unknown, ...args: unknown[]) {
          try {
            return reflectApply(orig, this, args);
          } catch (error) {
            notify(`${label}.${name}`, error);
            throw error;
          }
        },
    );
  }
  for (const name of surface.classes ?? []) {
    replace(
      target,
      name,
      (orig) =>
        new Proxy(orig, {
          construct(t, args, newTarget) {
            try {
              return reflectConstruct(t as unknown as new (...a: unknown[]) => object, args, newTarget);
            } catch (error) {
              notify(`new ${label}.${name}`, error);
              throw error;
            }
          },
          apply(t, self, args) {
            try {
              return reflectApply(t, self, args);
            } catch (error) {
              notify(`${label}.${name}`, error);
              throw error;
            }
          },
        }),
    );
  }
  for (const [cls, methods] of Object.entries(surface.protos ?? {})) {
    const ctor = (target as Record<string, unknown>)[cls] as { prototype?: object } | undefined;
    const proto = ctor?.prototype;
    if (!proto) continue;
    for (const m of methods) {
      replace(
        proto,
        m,
        (orig) =>
          function reported(this: unknown, ...args: unknown[]) {
            try {
              return reflectApply(orig, this, args);
            } catch (error) {
              notify(`${label}.${cls}.${m}`, error);
              throw error;
            }
          },
      );
    }
  }
}
