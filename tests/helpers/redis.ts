/**
 * A real redis-server for one test file: on a free loopback port, in a temp
 * dir, no persistence, `maxmemory-policy noeviction` (as BullMQ requires),
 * in the foreground as a child of the test. `startRedis()` waits for PING;
 * `stop()` (register it in an after hook) kills it by its pid and removes the
 * dir. Tests that need it are skipped where redis-server is missing, except in
 * CI (CI=true), where .ci/run installs it and a missing one must fail.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
export const REDIS_SERVER = found.status === 0;
/** `skip` option for a test that needs redis-server. */
export const needsRedis: false | string = REDIS_SERVER || process.env.CI === 'true' ? false : 'redis-server is not installed (apt-get install redis-server)';

export interface RedisServer {
  port: number;
  url: string;
  proc: ChildProcess;
  stop: () => Promise<void>;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.setTimeout(500, () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(false));
    sock.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) {
        sock.destroy();
        resolve(got.startsWith('+PONG'));
      }
    });
    sock.once('connect', () => sock.write('PING\r\n'));
  });
}

export async function startRedis(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-redis-')));
  const proc = spawn(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let exited = false;
  proc.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (!(await ping(p))) {
    if (exited || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING on 127.0.0.1:${p}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await gone;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { port: p, url: `redis://127.0.0.1:${p}`, proc, stop };
}
