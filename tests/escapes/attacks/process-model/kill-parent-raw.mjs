/* @attack {"title": "process._kill(process.ppid, 9): the raw kill under process.kill (not wrapped) kills the runner, so no report is written"} */
process._kill(process.ppid, 9);
await new Promise((r) => setTimeout(r, 1000));
