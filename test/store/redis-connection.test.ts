/**
 * A Redis that keeps the connection open but stops answering (a private redis-server, frozen with
 * SIGSTOP): each command fails as a store error after the command timeout instead of waiting,
 * the connection works again once Redis answers, and closing does not wait for answers that
 * never come.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ToolgateError } from '../../src/errors.js';
import { RedisConnection } from '../../src/store/redis-connection.js';
import { RedisRateLimitStore } from '../../src/store/redis/redis-rate-limit-store.js';
import { freePort } from '../helpers/processes.js';
import { startPrivateRedis, testPrefix } from './redis.js';

describe('RedisConnection against a Redis that stopped answering', () => {
  test('a take fails as a store error after the command timeout, works again once Redis answers, and close does not hang', async () => {
    const port = await freePort();
    const redis = await startPrivateRedis(port);
    const commandTimeoutMs = 300;
    const store = new RedisRateLimitStore(new RedisConnection({ url: `redis://127.0.0.1:${port}`, prefix: testPrefix() }, { commandTimeoutMs }));
    try {
      assert.equal((await store.take('k', 100, 60_000, 0)).allowed, true);
      process.kill(redis.pid, 'SIGSTOP');
      for (let attempt = 0; attempt < 2; attempt++) {
        const started = performance.now();
        const failure = await store.take('k', 100, 60_000, 0).then(
          () => assert.fail('a take answered by a frozen Redis'),
          (error: unknown) => error,
        );
        const waited = performance.now() - started;
        assert.ok(failure instanceof ToolgateError && failure.code === 'store_error', String(failure));
        assert.match(failure.message, new RegExp(`cannot count the call against rate limit k: Redis at 127\\.0\\.0\\.1:${port}: no answer within 300 ms`));
        assert.ok(waited >= commandTimeoutMs - 5 && waited < commandTimeoutMs + 1_000, `failed after ${Math.round(waited)} ms`);
      }
      process.kill(redis.pid, 'SIGCONT');
      assert.equal((await store.take('k', 100, 60_000, 0)).allowed, true, 'answered again once Redis runs');
      process.kill(redis.pid, 'SIGSTOP');
      await assert.rejects(store.take('k', 100, 60_000, 0), /no answer within 300 ms/);
      const closing = performance.now();
      await store.close();
      assert.ok(performance.now() - closing < 5_000, 'close gave up on answers that never come');
    } finally {
      process.kill(redis.pid, 'SIGCONT');
      await redis.stop();
    }
  });

  test('a flood of calls while Redis is frozen holds at most 10,000 commands: the next fails at once, not after the timeout', async () => {
    const port = await freePort();
    const redis = await startPrivateRedis(port);
    const store = new RedisRateLimitStore(new RedisConnection({ url: `redis://127.0.0.1:${port}`, prefix: testPrefix() }, { commandTimeoutMs: 60_000 }));
    try {
      assert.equal((await store.take('k', 1e9, 60_000, 0)).allowed, true);
      process.kill(redis.pid, 'SIGSTOP');
      const held = Array.from({ length: 10_000 }, () => store.take('k', 1e9, 60_000, 0).then(() => 'answered', (error: unknown) => (error as Error).message));
      const started = performance.now();
      await assert.rejects(store.take('k', 1e9, 60_000, 0), (error: unknown) => {
        assert.ok(error instanceof ToolgateError && error.code === 'store_error', String(error));
        assert.match(error.message, /cannot count the call against rate limit k: Redis at .*queue is full/i);
        return true;
      });
      assert.ok(performance.now() - started < 10_000, 'refused without waiting for the command timeout');
      process.kill(redis.pid, 'SIGCONT');
      const outcomes = await Promise.all(held);
      assert.equal(outcomes.filter((outcome) => outcome === 'answered').length, 10_000, 'the held commands are answered once Redis runs again');
    } finally {
      process.kill(redis.pid, 'SIGCONT');
      await store.close();
      await redis.stop();
    }
  });
});
