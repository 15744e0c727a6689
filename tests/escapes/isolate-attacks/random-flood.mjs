// Random bytes without end (run with --timeout 2): each call asks the host for the most it may
// give (65536 bytes), and errors of over-large requests are swallowed; isolated-vm's timeout does
// not count time spent in the host, so the host itself ends calls past the deadline.
export default function () {
  for (;;) {
    crypto.getRandomValues(new Uint8Array(65536));
    try {
      crypto.getRandomValues(new Uint8Array(65537));
    } catch {}
    crypto.randomUUID();
  }
}
