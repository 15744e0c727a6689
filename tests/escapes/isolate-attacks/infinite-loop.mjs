// for (;;) {} in the default export (run with --timeout 2).
export default function () {
  for (;;) {
    // spin
  }
}
