// Reaching Node from inside the isolate: process, require, module, Buffer, timers, fetch,
// through the global object, Function/eval, and constructor chains of intrinsics.
export default async function (ctx) {
  const o = {};
  const names = ['process', 'require', 'module', 'exports', '__filename', '__dirname', 'Buffer', 'setTimeout', 'setImmediate', 'setInterval',
    'queueMicrotask', 'fetch', 'XMLHttpRequest', 'WebSocket', 'importScripts', 'Deno', 'Bun', 'global', 'structuredClone', 'performance', 'navigator'];
  o.typeofs = {};
  for (const n of names) o.typeofs[n] = typeof globalThis[n];
  o.bare = { process: typeof process, require: typeof require, module: typeof module, Buffer: typeof Buffer };
  const tryIt = (f) => {
    try {
      const v = f();
      return v === undefined ? 'undefined' : typeof v === 'object' || typeof v === 'function' ? `${typeof v}:${Object.keys(v).slice(0, 5).join(',')}` : String(v);
    } catch (e) {
      return `threw ${e?.name}`;
    }
  };
  o.viaConstructor = tryIt(() => globalThis.constructor.constructor('return process')());
  o.viaFunctionThis = tryIt(() => Function('return this')().process);
  o.viaFunctionThisRequire = tryIt(() => Function('return this')().require);
  // biome-ignore lint/security/noGlobalEval: indirect eval is the attack
  const indirect = eval;
  o.viaIndirectEval = tryIt(() => indirect('this').process);
  // biome-ignore lint/security/noGlobalEval: direct eval is the attack
  o.viaEval = tryIt(() => eval('typeof process'));
  o.viaObjectCtor = tryIt(() => ({}).constructor.constructor('return typeof process + typeof require')());
  o.viaArrowCtor = tryIt(() => (() => 0).constructor('return typeof process')());
  o.viaAsyncCtor = await Object.getPrototypeOf(async () => {}).constructor('return typeof process')();
  o.viaGeneratorCtor = tryIt(() => Object.getPrototypeOf(function* () {}).constructor('return typeof process')().next().value);
  o.viaCtxFn = tryIt(() => ctx.fs.readFile.constructor('return typeof process')());
  o.viaCtxLog = tryIt(() => ctx.log.constructor.constructor('return this')().process);
  o.viaConsole = tryIt(() => console.log.constructor('return typeof require')());
  o.viaCtxProto = tryIt(() => Object.getPrototypeOf(ctx).constructor.constructor('return typeof process')());
  o.sameFunction = ctx.fs.readFile.constructor === Function && console.log.constructor === Function;
  o.thisAtTop = typeof this;
  o.importMetaKeys = Object.keys(import.meta);
  o.globalNames = Object.getOwnPropertyNames(globalThis).sort();
  o.globalSymbols = Object.getOwnPropertySymbols(globalThis).map(String);
  o.globalProtoChain = [];
  for (let p = Object.getPrototypeOf(globalThis); p; p = Object.getPrototypeOf(p)) o.globalProtoChain.push(Object.getOwnPropertyNames(p).length);
  o.ctxKeys = Object.keys(ctx).sort();
  o.fsKeys = Object.keys(ctx.fs).sort();
  o.envKeys = Object.keys(ctx.env).sort();
  o.envHasConfig = 'SLEEVE_SANDBOX_CONFIG' in ctx.env;
  // The web platform's globals are the isolate's own objects, not the host's.
  const platform = [Buffer, setTimeout, setInterval, clearTimeout, queueMicrotask, structuredClone, atob, btoa, URL, TextDecoder, TextEncoder, DOMException, crypto.getRandomValues, performance.now];
  o.webPlatform = {
    ownFunctions: platform.every((f) => f.constructor === Function),
    bufferIsUint8Array: Object.getPrototypeOf(Buffer.prototype) === Uint8Array.prototype,
    hostProcess: platform.map((f) => f.constructor('return typeof process')()).find((t) => t !== 'undefined') ?? 'undefined',
  };
  o.nativeSources = [String(ctx.fs.readFile).slice(0, 200), String(ctx.log).slice(0, 200)];
  await ctx.fs.writeJson(`${ctx.runDir}/observed.json`, o);
}
