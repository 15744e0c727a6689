// A timer due long after the timeout (run with --timeout 2), unref-ed and ref-ed again, awaited by
// the default export: the host must not wait for it, nor keep the process alive past the timeout.
export default function () {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 3_600_000);
    t.unref();
    t.ref();
  });
}
