/**
 * URL and URLSearchParams for the isolate (whatwg-url, the URL Standard's reference implementation),
 * bundled apart from entry.js: its IDNA tables are most of the platform's size, so the isolate
 * compiles this only when a sleeve first uses URL (see `loadUrl` in entry.js).
 */
export { URL, URLSearchParams } from 'whatwg-url';
