/**
 * The behaviour every RateLimitStore must have, run against each backend (memory now, Redis
 * later). The clock is injected through `nowMs`; nothing here sleeps. Keys are unique per test so
 * a shared backend needs no cleanup between tests.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { RateLimitStore } from '../../src/store/rate-limit-store.js';

/** A fixed start, so failures reproduce. */
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

export function rateLimitStoreSuite(name: string, makeStore: () => RateLimitStore | Promise<RateLimitStore>): void {
  async function withStore(fn: (store: RateLimitStore, key: (label?: string) => string) => Promise<void>): Promise<void> {
    const store = await makeStore();
    const prefix = `test:${randomUUID()}:`;
    try {
      await fn(store, (label = 'k') => prefix + label);
    } finally {
      await store.close();
    }
  }

  describe(`RateLimitStore: ${name}`, () => {
    test('admits up to max calls in a window, counting remaining down, then refuses', () =>
      withStore(async (store, key) => {
        const got: Array<[boolean, number]> = [];
        for (let i = 0; i < 4; i++) {
          const t = await store.take(key(), 3, MINUTE, T0 + i);
          got.push([t.allowed, t.remaining]);
        }
        assert.deepEqual(got, [[true, 2], [true, 1], [true, 0], [false, 0]]);
      }));

    test('exact under concurrency: 15 simultaneous takes against max 10 admit exactly 10', () =>
      withStore(async (store, key) => {
        const takes = await Promise.all(Array.from({ length: 15 }, () => store.take(key(), 10, MINUTE, T0)));
        assert.equal(takes.filter((t) => t.allowed).length, 10);
        assert.deepEqual(takes.filter((t) => t.allowed).map((t) => t.remaining).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }));

    test('retryAfterMs is the oldest counted call + window − now; 0 when allowed', () =>
      withStore(async (store, key) => {
        assert.equal((await store.take(key(), 2, MINUTE, T0)).retryAfterMs, 0);
        await store.take(key(), 2, MINUTE, T0 + 10_000);
        const refused = await store.take(key(), 2, MINUTE, T0 + 48_000);
        assert.equal(refused.allowed, false);
        assert.equal(refused.retryAfterMs, 12_000);
      }));

    test('the window slides: each call frees its slot exactly one window after it was made', () =>
      withStore(async (store, key) => {
        await store.take(key(), 2, MINUTE, T0);
        await store.take(key(), 2, MINUTE, T0 + 30_000);
        assert.equal((await store.take(key(), 2, MINUTE, T0 + MINUTE - 1)).allowed, false);
        // The first call leaves the window at T0 + 60s; the second is still in it.
        assert.equal((await store.take(key(), 2, MINUTE, T0 + MINUTE)).allowed, true);
        const refused = await store.take(key(), 2, MINUTE, T0 + MINUTE + 1);
        assert.equal(refused.allowed, false);
        assert.equal(refused.retryAfterMs, 30_000 - 1);
      }));

    test('the budget resets by itself once a whole window has passed', () =>
      withStore(async (store, key) => {
        for (let i = 0; i < 3; i++) await store.take(key(), 3, MINUTE, T0);
        assert.equal((await store.take(key(), 3, MINUTE, T0 + 1)).allowed, false);
        const later = await store.take(key(), 3, MINUTE, T0 + 5 * MINUTE);
        assert.deepEqual([later.allowed, later.remaining], [true, 2]);
      }));

    test('refused calls are not counted', () =>
      withStore(async (store, key) => {
        await store.take(key(), 1, MINUTE, T0);
        for (let i = 1; i <= 5; i++) assert.equal((await store.take(key(), 1, MINUTE, T0 + i * 1000)).allowed, false);
        // Had the refusals counted, the one at T0+5s would still block this.
        assert.equal((await store.take(key(), 1, MINUTE, T0 + MINUTE)).allowed, true);
      }));

    test('undo gives the call back once; undoing a refused take changes nothing', () =>
      withStore(async (store, key) => {
        // Both at the same instant: undoing one twice must not remove the other.
        const first = await store.take(key(), 2, MINUTE, T0);
        await store.take(key(), 2, MINUTE, T0);
        const refused = await store.take(key(), 2, MINUTE, T0 + 2);
        assert.equal(refused.allowed, false);
        await refused.undo();
        assert.equal((await store.take(key(), 2, MINUTE, T0 + 3)).allowed, false);

        await first.undo();
        await first.undo();
        const again = await store.take(key(), 2, MINUTE, T0 + 4);
        assert.deepEqual([again.allowed, again.remaining], [true, 0]);
        // A second undo of the same take must not free another slot.
        assert.equal((await store.take(key(), 2, MINUTE, T0 + 5)).allowed, false);
      }));

    test('undoing a call that already left the window frees nothing', () =>
      withStore(async (store, key) => {
        const old = await store.take(key(), 2, 1000, T0);
        await store.take(key(), 2, 1000, T0 + 500);
        assert.equal((await store.take(key(), 2, 1000, T0 + 1000)).allowed, true);
        await old.undo();
        // The calls at +500 and +1000 are both still counted.
        assert.equal((await store.take(key(), 2, 1000, T0 + 1001)).allowed, false);
      }));

    test('keys are independent', () =>
      withStore(async (store, key) => {
        assert.equal((await store.take(key('a'), 1, MINUTE, T0)).allowed, true);
        assert.equal((await store.take(key('b'), 1, MINUTE, T0)).allowed, true);
        assert.equal((await store.take(key('a'), 1, MINUTE, T0)).allowed, false);
      }));

    test('a lowered max applies at once to calls already counted', () =>
      withStore(async (store, key) => {
        for (let i = 0; i < 5; i++) await store.take(key(), 10, MINUTE, T0 + i * 1000);
        const refused = await store.take(key(), 3, MINUTE, T0 + 10_000);
        assert.equal(refused.allowed, false);
        // Two calls must leave before a fourth fits under 3: the one at T0+2s is the one to wait for.
        assert.equal(refused.retryAfterMs, 2_000 + MINUTE - 10_000);
      }));

    test('take after close is rejected, not silently allowed', async () => {
      const store = await makeStore();
      await store.close();
      await assert.rejects(store.take(`test:${randomUUID()}`, 1, MINUTE, T0));
    });
  });
}
