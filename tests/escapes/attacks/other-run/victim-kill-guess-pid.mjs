/* @attack {"title": "signal guessed pids next to the attacker's own to kill the victim sleeve before it finishes", "victim": true} */
await new Promise((r) => setTimeout(r, 500));
// The victim was started just before the attacker: its pid is a little lower. Inside a pid namespace
// (the OS layer) the only pid below the attacker's is 1, the sandbox's init: it is tried too.
for (let pid = process.pid - 1; pid > process.pid - 20 && pid >= 1; pid--) {
  process.kill(pid, 'SIGKILL');
}
