/**
 * Untrusted text (paths, names, reasons from sleeves and policies) made safe
 * for a line of output: every C0 and C1 control character (newline and tab
 * included), DEL, the Unicode line and paragraph separators and the bidi
 * controls become visible `\uXXXX` escapes, so no sleeve can forge a line of
 * the terminal summary, a Markdown row or a JUnit message, or reorder what a
 * reader sees. JSON output stays JSON: it needs no more than JSON.stringify.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
