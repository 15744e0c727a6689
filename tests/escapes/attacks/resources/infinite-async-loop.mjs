/* @attack {"title": "an event loop that never empties (setImmediate chain, SIGTERM ignored) past --timeout 2", "expect": "timeout", "args": ["--timeout", "2"]} */
process.on('SIGTERM', () => process.stdout.write('ignoring SIGTERM\n'));
const tick = () => setImmediate(tick);
tick();
