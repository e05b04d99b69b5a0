import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryRateLimitStore } from '../../src/store/memory-rate-limit-store.js';
import { rateLimitStoreSuite } from './rate-limit-store-suite.js';

rateLimitStoreSuite('memory', () => new MemoryRateLimitStore());

const T0 = 1_700_000_000_000;

test('memory store: idle keys are swept, so names seen once do not leak memory', async () => {
  const store = new MemoryRateLimitStore({ sweepIntervalMs: 10_000 });
  for (let i = 0; i < 1000; i++) await store.take(`session-${i}`, 5, 60_000, T0);
  await store.take('busy', 5, 600_000, T0 + 30_000);
  assert.equal(store.size, 1001);
  // Past every short window: one take triggers the sweep, and only the long-window key stays.
  await store.take('busy', 5, 600_000, T0 + 60_000);
  assert.equal(store.size, 1);
  await store.close();
});

test('memory store: a sweep keeps keys whose calls are still in their window', async () => {
  const store = new MemoryRateLimitStore({ sweepIntervalMs: 1 });
  await store.take('a', 2, 60_000, T0);
  await store.take('b', 2, 60_000, T0 + 59_000);
  await store.take('c', 2, 60_000, T0 + 60_000);
  assert.equal(store.size, 2);
  assert.equal((await store.take('b', 2, 60_000, T0 + 60_001)).remaining, 0);
  await store.close();
});

test('memory store: long busy logs stay exact while expired entries are dropped in batches', async () => {
  const store = new MemoryRateLimitStore();
  let admitted = 0;
  // 100 per second against 50 per second: in every window exactly 50 pass.
  for (let ms = 0; ms < 10_000; ms += 10) if ((await store.take('k', 50, 1000, T0 + ms)).allowed) admitted += 1;
  assert.equal(admitted, 500);
  await store.close();
});

test('memory store: calls recorded slightly out of order still leave the window on time', async () => {
  const store = new MemoryRateLimitStore();
  await store.take('k', 2, 1000, T0 + 500);
  await store.take('k', 2, 1000, T0);
  const refused = await store.take('k', 2, 1000, T0 + 600);
  assert.equal(refused.retryAfterMs, 400);
  assert.equal((await store.take('k', 2, 1000, T0 + 1000)).allowed, true);
  await store.close();
});

test('memory store: nonsense limits are rejected', async () => {
  const store = new MemoryRateLimitStore();
  await assert.rejects(store.take('k', 0, 1000, T0), RangeError);
  await assert.rejects(store.take('k', 1, 0, T0), RangeError);
  await store.close();
});

test('memory store: keys are capped; when full of live counters a new key is refused as a store error, an expired one makes room', async () => {
  const store = new MemoryRateLimitStore({ maxKeys: 100, sweepIntervalMs: 3_600_000 });
  for (let i = 0; i < 100; i++) await store.take(`tool-${i}`, 5, 60_000, T0);
  assert.equal((await store.take('tool-7', 5, 60_000, T0 + 1)).allowed, true, 'known keys keep counting');
  await assert.rejects(store.take('tool-new', 5, 60_000, T0 + 2), (error: Error & { code?: string }) => error.code === 'store_error' && /maximum of 100 counters/.test(error.message));
  assert.equal(store.size, 100);
  // Once the window has passed, the full store sweeps before refusing: the new key fits.
  assert.equal((await store.take('tool-new', 5, 60_000, T0 + 60_001)).allowed, true);
  assert.ok(store.size <= 2, `expired keys were swept (size ${store.size})`);
  await store.close();
});
