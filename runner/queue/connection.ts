/**
 * The Redis URL of `--queue` (or SLEEVE_SANDBOX_REDIS_URL): `redis://` or
 * `rediss://` (TLS), `[user[:password]@]host[:port][/db]`. Credentials come
 * only from there and are never printed: every message that names the
 * server goes through `redact`, which shows `***` for the password and also
 * masks it anywhere it appears in a driver's error text.
 */
import { Redis } from 'ioredis';
import { UsageError } from '../../policies/errors.js';

/** The environment variable read when `--queue` is given without a URL, or for credentials kept out of argv. */
export const REDIS_URL_ENV = 'SLEEVE_SANDBOX_REDIS_URL';

export interface RedisTarget {
  /** For messages: the URL with its password replaced by ***. */
  shown: string;
  host: string;
  port: number;
  db: number;
  tls: boolean;
  username?: string;
  password?: string;
  /** Replaces the password anywhere in a text (driver errors may echo it). */
  redact: (text: string) => string;
}

/**
 * The URL given (or `env` when it is "env" / empty) parsed into a target;
 * a bad URL is a UsageError (exit 2) naming what to fix, never echoing a password.
 */
export function parseRedisUrl(given: string | undefined, env: NodeJS.ProcessEnv, flag = '--queue'): RedisTarget {
  const raw = given === undefined || given === '' || given === 'env' ? env[REDIS_URL_ENV] : given;
  if (raw === undefined || raw === '') throw new UsageError(`${flag}: no Redis URL: give ${flag} redis://HOST:PORT or set ${REDIS_URL_ENV}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${flag}: not a URL (expected redis://[user:password@]HOST:PORT[/db] or rediss:// for TLS)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`${flag}: expected a redis:// or rediss:// URL, got ${url.protocol}//`);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const redact = (text: string) => {
    let out = text;
    if (password) out = out.split(password).join('***').split(url.password).join('***');
    return out;
  };
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText))
    throw new UsageError(`${flag}: the path must be a database number (e.g. /0), got ${JSON.stringify(redact(dbText))}`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new UsageError(`${flag}: no host in the Redis URL`);
  const shown = `${url.protocol}//${username ? `${username}${password ? ':***' : ''}@` : password ? ':***@' : ''}${url.host}${dbText ? `/${dbText}` : ''}`;
  return {
    shown,
    host,
    port,
    db: dbText === '' ? 0 : Number(dbText),
    tls: url.protocol === 'rediss:',
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    redact,
  };
}

/** ioredis options for BullMQ (workers need maxRetriesPerRequest null: they block on Redis). */
export function connectionOptions(t: RedisTarget, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    ...(t.username ? { username: t.username } : {}),
    ...(t.password ? { password: t.password } : {}),
    ...(t.tls ? { tls: { servername: t.host } } : {}),
    maxRetriesPerRequest: null,
    ...extra,
  };
}

/**
 * Connects once and PINGs within `timeoutMs`; a failure is a UsageError with
 * the fix (nothing was enqueued). Also reads maxmemory-policy: BullMQ needs
 * `noeviction`, and anything else is reported as a notice by the caller.
 */
export async function probeRedis(t: RedisTarget, timeoutMs = 3000): Promise<{ maxmemoryPolicy: string | undefined; version: string | undefined }> {
  const client = new Redis({
    ...connectionOptions(t),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    let maxmemoryPolicy: string | undefined;
    try {
      const got = (await client.config('GET', 'maxmemory-policy')) as string[];
      maxmemoryPolicy = got[1];
    } catch {
      // CONFIG may be disabled (managed Redis): not knowing is not an error
    }
    const info = await client.info('server').catch(() => '');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    return { maxmemoryPolicy, version };
  } catch (error) {
    throw new UsageError(
      `cannot reach Redis at ${t.shown} (${t.redact((error as Error).message)}): start redis-server there (redis-server --port ${t.port} --maxmemory-policy noeviction), or fix --queue / ${REDIS_URL_ENV}; nothing was enqueued`,
    );
  } finally {
    client.disconnect();
  }
}
