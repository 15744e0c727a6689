/* @attack {"title": "process.kill(process.ppid, 'SIGKILL'): kill the runner so no report is written"} */
process.kill(process.ppid, 'SIGKILL');
await new Promise((r) => setTimeout(r, 1000));
