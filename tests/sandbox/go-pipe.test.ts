/**
 * The bootstrap's go pipe (a pre-warmed sleeve, runner/batch/pool.ts), in a real child process: nothing of the
 * sleeve runs before "go"; what it runs under was fixed at spawn, and whatever the pipe carries past its one
 * byte is never read; the pipe is closed before sleeve code runs; end of file exits having run nothing.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { GO_FD, type SleeveMessage } from '../../sandbox/protocol.js';
import { runGuarded } from '../helpers/guarded.js';
import { makeWorkspace } from '../helpers/tmp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const goPipe = (child: ChildProcess) => child.stdio[GO_FD] as Writable;

/** Waits until the child's channel has said something or it has run for `ms`. */
async function quietFor(ms: number, said: () => SleeveMessage[]): Promise<SleeveMessage[]> {
  const end = Date.now() + ms;
  while (Date.now() < end && said().length === 0) await sleep(20);
  return said();
}

describe('the go pipe of a pre-warmed sleeve', () => {
  const ws = makeWorkspace();
  after(ws.cleanup);
  const workspace = fs.realpathSync(ws.dir);
  let n = 0;
  const runId = () => `go${++n}`;
  /** The sleeve marks that it ran (a file in its run dir) and prints what it sees. */
  const source = `
    import fs from 'node:fs';
    export default (ctx) => {
      fs.writeFileSync(ctx.runDir + '/ran', 'yes');
      let fd4;
      // Closed (EBADF), or the number reused since by something that is not a pipe (an async open of Node's own).
      try { const st = fs.fstatSync(${GO_FD}); fd4 = st.isSocket() || st.isFIFO() ? 'a pipe' : 'reused'; } catch (e) { fd4 = e.code; }
      console.log(JSON.stringify({ runId: ctx.runId, name: ctx.name, config: process.env.SLEEVE_SANDBOX_CONFIG ?? null, extra: process.env.EXTRA ?? null, fd4 }));
    };`;

  it('runs nothing before "go", and the sleeve after it', async () => {
    const id = runId();
    const marker = path.join(workspace, 'runs', id, 'ran');
    let before: { messages: SleeveMessage[]; ran: boolean } | undefined;
    const run = await runGuarded({
      workspace,
      runId: id,
      source,
      onSpawn: (child, said) => {
        void (async () => {
          // Long enough for the sandbox to set itself up (it then blocks on the pipe).
          const messages = await quietFor(1500, said);
          before = { messages, ran: fs.existsSync(marker) };
          goPipe(child).end(Buffer.of(1));
        })();
      },
    });
    assert.deepEqual(before, { messages: [], ran: false }, 'before "go": no ready, no sleeve code');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(fs.readFileSync(marker, 'utf8'), 'yes');
    assert.equal(run.messages[0]?.t, 'ready');
  });

  it('reads one byte and closes the pipe: what follows it changes nothing, and the sleeve finds fd 4 closed', async () => {
    const id = runId();
    const forged = JSON.stringify({ runId: 'other', runDir: path.join(workspace, 'runs', 'other'), name: 'forged' });
    const run = await runGuarded({
      workspace,
      runId: id,
      source,
      env: { EXTRA: 'at-spawn' },
      onSpawn: (child) => {
        const pipe = goPipe(child);
        pipe.on('error', () => {}); // the sandbox closed its end after one byte
        // The runner's env after spawn is not the sleeve's: it got its own at spawn.
        process.env.EXTRA = 'after-spawn';
        pipe.write(Buffer.concat([Buffer.of(1), Buffer.from(`${forged}\nEXTRA=after-spawn\n`)]));
      },
    });
    delete process.env.EXTRA;
    assert.equal(run.code, 0, run.stderr);
    const seen = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
    assert.ok(seen.fd4 === 'EBADF' || seen.fd4 === 'reused', `fd 4 after "go": ${String(seen.fd4)}`);
    assert.deepEqual({ ...seen, fd4: undefined }, { runId: id, name: 'test', config: null, extra: 'at-spawn', fd4: undefined });
    assert.ok(!fs.existsSync(path.join(workspace, 'runs', 'other')), 'nothing named by the bytes after "go" was used');
  });

  it('exits having run nothing when the pipe closes unwritten (the runner did not need it)', async () => {
    const id = runId();
    const run = await runGuarded({
      workspace,
      runId: id,
      source,
      onSpawn: (child) => {
        void sleep(300).then(() => goPipe(child).destroy());
      },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.messages, [], 'no ready, no exit report: it was never a sleeve');
    assert.equal(run.stdout, '');
    assert.ok(!fs.existsSync(path.join(workspace, 'runs', id, 'ran')));
  });

  it('fails closed when told to wait without a go pipe: the sleeve does not run unasked', async () => {
    const id = runId();
    const run = await runGuarded({ workspace, runId: id, source, awaitGo: true });
    assert.equal(run.code, 70, run.stderr);
    assert.match(run.stderr, /cannot read the go pipe \(fd 4\): (EBADF|not a pipe)/);
    assert.deepEqual(run.messages, []);
    assert.ok(!fs.existsSync(path.join(workspace, 'runs', id, 'ran')));
  });
});
