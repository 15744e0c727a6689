// An endless loop while the module evaluates, before any default export is called (--timeout 2).
for (;;) {
  // spin
}
