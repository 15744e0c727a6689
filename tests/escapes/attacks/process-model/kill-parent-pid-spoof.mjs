/* @attack {"title": "redefine process.pid (configurable) as the runner's pid, so the kill wrapper thinks the runner is the sleeve itself; SIGKILL it"} */
const runner = process.ppid;
try {
  Object.defineProperty(process, 'pid', { value: runner, configurable: true });
} catch {
  // process.pid is locked: the kill below must then be refused
}
process.kill(runner, 'SIGKILL');
await new Promise((r) => setTimeout(r, 1000));
