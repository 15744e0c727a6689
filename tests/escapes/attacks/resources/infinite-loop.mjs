/* @attack {"title": "infinite busy loop past --timeout 2", "expect": "timeout", "args": ["--timeout", "2"]} */
for (;;) {
  // spin
}
