/**
 * The Redis URL (runner/queue/connection.ts): redis:// and rediss:// (TLS),
 * the env variable, bad URLs refused with exit 2, and a password that never
 * appears in what is shown.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDIS_URL_ENV, connectionOptions, parseRedisUrl } from '../../../runner/queue/connection.js';

describe('the Redis URL', () => {
  it('parses host, port, db and credentials, and shows the password as ***', () => {
    const t = parseRedisUrl('redis://alice:s%40cret@redis.internal:6380/2', {});
    assert.deepEqual([t.host, t.port, t.db, t.tls, t.username, t.password], ['redis.internal', 6380, 2, false, 'alice', 's@cret']);
    assert.equal(t.shown, 'redis://alice:***@redis.internal:6380/2');
    assert.equal(t.redact('WRONGPASS s@cret and s%40cret'), 'WRONGPASS *** and ***');
  });

  it('rediss:// turns TLS on with the host as the server name', () => {
    const t = parseRedisUrl('rediss://:pw@cache.example:6379', {});
    assert.equal(t.tls, true);
    assert.equal(t.shown, 'rediss://:***@cache.example:6379');
    assert.deepEqual(connectionOptions(t).tls, { servername: 'cache.example' });
  });

  it('reads the URL from the environment when --queue gives none or "env"', () => {
    const env = { [REDIS_URL_ENV]: 'redis://:topsecret@10.0.0.5:7000' };
    for (const given of [undefined, '', 'env']) assert.equal(parseRedisUrl(given, env).port, 7000);
  });

  it('refuses what is not a Redis URL, exit 2, without echoing a password', () => {
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /no Redis URL: give --queue redis:\/\/HOST:PORT or set SLEEVE_SANDBOX_REDIS_URL/],
      ['http://:pw@host:1', /expected a redis:\/\/ or rediss:\/\/ URL, got http:\/\//],
      ['not a url', /not a URL/],
      ['redis://:hunter2@host:1/hunter2', /the path must be a database number/],
    ];
    for (const [given, why] of cases) {
      assert.throws(
        () => parseRedisUrl(given, {}),
        (e: Error & { exitCode?: number }) => {
          assert.match(e.message, why);
          assert.equal(e.exitCode, 2);
          assert.doesNotMatch(e.message, /hunter2/);
          return true;
        },
      );
    }
  });
});
