/**
 * The isolate's web platform (sandbox/isolate-platform/entry.js bundled with its packages) as the
 * source of one script that evaluates to its `install` function. scripts/bundle-sandbox.js writes
 * dist/sandbox/isolate-platform.js after tsc has run.
 */
export declare const PLATFORM_SOURCE: string;
