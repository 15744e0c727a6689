/* @attack {"title": "child_process.ChildProcess (not refused by the capability guard) spawns a shell that writes OUTSIDE: Node's permission layer refuses it, and the refusal must reach the report", "rule": "node-permission"} */
import cp from 'node:child_process';

const child = new cp.ChildProcess();
try {
  child.spawn({ file: '/bin/sh', args: ['sh', '-c', `echo escaped > "${process.env.OUTSIDE}/x"`], stdio: ['ignore', 'ignore', 'ignore'] });
  console.log('spawned');
} catch (error) {
  console.log(`ChildProcess.spawn: ${error.code}`);
}
// Node 22.15+ and 23.11+: replace this process with another program.
if (typeof process.execve === 'function') {
  try {
    process.execve('/bin/sh', ['sh', '-c', `echo escaped > "${process.env.OUTSIDE}/y"`]);
  } catch (error) {
    console.log(`process.execve: ${error.code}`);
  }
}
