/* @attack {"title": "signal the runner's process group with a negative pid: process.kill(-process.ppid, 'SIGTERM')"} */
process.kill(-process.ppid, 'SIGTERM');
await new Promise((r) => setTimeout(r, 1000));
