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

test('memory store: a key past maxEntriesPerKey folds new amounts into its newest entry, never admits more, and undo still gives each back', async () => {
  const store = new MemoryRateLimitStore({ maxEntriesPerKey: 4 });
  const takes = [];
  for (let ms = 0; ms < 6; ms++) takes.push(await store.take('k', 10, 1000, T0 + ms, 1));
  assert.equal((await store.take('k', 10, 1000, T0 + 6, 5)).allowed, false, '6 counted + 5 is over 10');
  // Amounts 4 and 6 (ms 3..5) share the newest entry, which now leaves with the latest of them.
  await takes[4].undo();
  await takes[3].undo();
  const [usage] = await store.snapshot(T0 + 6);
  assert.equal(usage.used, 4);
  // ms 0..2 leave the window at T0 + 1002; the folded entry (1 left, at ms 5) at T0 + 1005.
  assert.equal((await store.take('k', 10, 1000, T0 + 1003, 9)).allowed, true);
  assert.equal((await store.take('k', 10, 1000, T0 + 1004, 1)).allowed, false);
  assert.equal((await store.take('k', 10, 1000, T0 + 1005, 1)).allowed, true);
  await store.close();
});

test('memory store: a log that wraps around its ring, grows and shrinks, with late and undone takes, counts exactly', async () => {
  const store = new MemoryRateLimitStore();
  const window = 100;
  // What the store must hold: every admitted amount not given back and not yet out of the window
  // of the latest take (a late take, its clock read before an await, still counts what is newer).
  let counted: Array<{ at: number; amount: number }> = [];
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  let now = T0;
  let latestCutoff = -Infinity;
  const undoable: Array<{ entry: { at: number; amount: number }; undo: () => Promise<void> }> = [];
  for (let step = 0; step < 5_000; step++) {
    // Busy spells (several takes per ms) and quiet ones, so the ring grows past 8 slots and shrinks back.
    if (random() < (step % 1000 < 500 ? 0.3 : 1)) now += step % 1000 < 500 ? 1 : 1 + Math.floor(random() * 15);
    const at = random() < 0.1 ? now - Math.floor(random() * 20) : now;
    latestCutoff = Math.max(latestCutoff, at - window);
    counted = counted.filter((c) => c.at > latestCutoff);
    const amount = 1 + Math.floor(random() * 3);
    const live = counted.reduce((sum, c) => sum + c.amount, 0);
    const taken = await store.take('k', 60, window, at, amount);
    assert.equal(taken.spent, live, `step ${step}: spent before the take`);
    assert.equal(taken.allowed, live + amount <= 60, `step ${step}: admitted exactly when it fits`);
    if (!taken.allowed) continue;
    const entry = { at, amount };
    counted.push(entry);
    undoable.push({ entry, undo: taken.undo });
    if (random() < 0.2) {
      // Any earlier take, maybe long gone from the window (then it gives nothing back).
      const [chosen] = undoable.splice(Math.floor(random() * undoable.length), 1);
      await chosen.undo();
      if (counted.includes(chosen.entry)) counted.splice(counted.indexOf(chosen.entry), 1);
    }
  }
  await store.close();
});
