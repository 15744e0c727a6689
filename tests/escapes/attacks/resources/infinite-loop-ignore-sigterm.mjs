/* @attack {"title": "ignore SIGTERM and SIGINT, then spin past --timeout 2 (the runner must escalate to SIGKILL)", "expect": "timeout", "args": ["--timeout", "2"]} */
process.on('SIGTERM', () => {});
process.on('SIGINT', () => {});
for (;;) {
  // spin
}
