/**
 * The isolate's web platform, bundled by scripts/bundle-sandbox.js (which writes
 * dist/sandbox/isolate-platform.js after tsc has run): PLATFORM_SOURCE is one script that evaluates
 * to entry.js's `install`; PLATFORM_URL_SOURCE one that evaluates to { URL, URLSearchParams }
 * (url.js), handed to the isolate when a sleeve first uses URL.
 */
export declare const PLATFORM_SOURCE: string;
export declare const PLATFORM_URL_SOURCE: string;
