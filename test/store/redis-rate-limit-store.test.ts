/**
 * The Redis rate-limit store: the shared suite (caller's clock, so every expectation is exact),
 * then what only it does — the Redis server's clock, keys that expire, several stores (several
 * gateways) on one key admitting exactly `max`, and on_unavailable: open.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createClient } from 'redis';
import { failOpen } from '../../src/store/fail-open.js';
import { RedisRateLimitStore } from '../../src/store/redis/redis-rate-limit-store.js';
import { rateLimitStoreSuite } from './rate-limit-store-suite.js';
import { connection, dropKeys, REDIS_URL, testPrefix } from './redis.js';

const RUN = testPrefix();
let stores = 0;
const prefix = () => `${RUN}${++stores}:`;
after(() => dropKeys(RUN));

rateLimitStoreSuite('Redis', () => new RedisRateLimitStore(connection(prefix()), { clock: 'caller' }));

describe('RedisRateLimitStore', () => {
  test("on the server's clock: a window of a minute admits max, and the refusal waits about a minute whatever nowMs says", async () => {
    const store = new RedisRateLimitStore(connection(prefix()));
    try {
      for (let i = 0; i < 3; i++) assert.equal((await store.take('k', 3, 60_000, 0)).allowed, true);
      const refused = await store.take('k', 3, 60_000, 1e15);
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfterMs > 50_000 && refused.retryAfterMs <= 60_000, `retryAfterMs ${refused.retryAfterMs}`);
    } finally {
      await store.close();
    }
  });

  test('both keys of a counter expire one window after its newest take', async () => {
    const own = prefix();
    const store = new RedisRateLimitStore(connection(own));
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      await store.take('k', 5, 30_000, 0, 2);
      for (const key of [`${own}rl:k`, `${own}rl:k:sum`]) {
        const ttl = await client.pTTL(key);
        assert.ok(ttl > 0 && ttl <= 30_000, `${key} ttl ${ttl}`);
      }
    } finally {
      await client.close();
      await store.close();
    }
  });

  test('three gateways on one key: 60 simultaneous takes against max 20 admit exactly 20', async () => {
    const shared = prefix();
    const gateways = [0, 1, 2].map(() => new RedisRateLimitStore(connection(shared)));
    try {
      const takes = await Promise.all(Array.from({ length: 60 }, (_, i) => gateways[i % 3].take('tool:deploy', 20, 60_000, Date.now())));
      assert.equal(takes.filter((t) => t.allowed).length, 20);
    } finally {
      await Promise.all(gateways.map((g) => g.close()));
    }
  });

  test('Redis unreachable: a store_error (fail closed), or an uncounted admission with on_unavailable: open', async () => {
    const closed = new RedisRateLimitStore(connection(prefix(), 'redis://127.0.0.1:1'));
    const open = failOpen(new RedisRateLimitStore(connection(prefix(), 'redis://127.0.0.1:1')));
    try {
      await assert.rejects(closed.take('k', 1, 60_000, 0), (error: Error & { code?: string }) => error.code === 'store_error' && /Redis at 127\.0\.0\.1:1/.test(error.message));
      const admitted = await open.take('k', 1, 60_000, 0);
      assert.equal(admitted.allowed, true);
      await assert.rejects(open.take('k', 0, 60_000, 0), RangeError, 'a nonsense limit is still refused');
    } finally {
      await Promise.all([closed.close(), open.close()]);
    }
  });
});
