/**
 * The behaviour every RateLimitStore must have, run against each backend (memory now, Redis
 * later): calls counted one by one (rate limits), then amounts (budgets). The clock is injected
 * through `nowMs`; nothing here sleeps. Keys are unique per test so a shared backend needs no
 * cleanup between tests.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { RateLimitStore, RateLimitTake } from '../../src/store/rate-limit-store.js';

/** A fixed start, so failures reproduce. */
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The numbers of a take, without its undo. */
function pick(t: RateLimitTake) {
  return { allowed: t.allowed, spent: t.spent, remaining: t.remaining, retryAfterMs: t.retryAfterMs, freesAmount: t.freesAmount };
}

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

    test('weighted: amounts add up to max and no further; the refusal says what is spent, left and when it frees', () =>
      withStore(async (store, key) => {
        const first = await store.take(key(), 50_000, DAY, T0, 20_000);
        assert.deepEqual(pick(first), { allowed: true, spent: 0, remaining: 30_000, retryAfterMs: 0, freesAmount: 0 });
        const second = await store.take(key(), 50_000, DAY, T0 + HOUR, 20_000);
        assert.deepEqual(pick(second), { allowed: true, spent: 20_000, remaining: 10_000, retryAfterMs: 0, freesAmount: 0 });
        const third = await store.take(key(), 50_000, DAY, T0 + 2 * HOUR, 20_000);
        // 40,000 spent + 20,000 > 50,000: the first 20,000 must leave, one day after T0.
        assert.deepEqual(pick(third), { allowed: false, spent: 40_000, remaining: 10_000, retryAfterMs: DAY - 2 * HOUR, freesAmount: 20_000 });
        const exact = await store.take(key(), 50_000, DAY, T0 + 2 * HOUR, 10_000);
        assert.deepEqual(pick(exact), { allowed: true, spent: 40_000, remaining: 0, retryAfterMs: 0, freesAmount: 0 }, 'spent + amount == max fits');
      }));

    test('weighted: the wait is for as many amounts as must leave, oldest first', () =>
      withStore(async (store, key) => {
        await store.take(key(), 100, MINUTE, T0, 30);
        await store.take(key(), 100, MINUTE, T0 + 1_000, 30);
        await store.take(key(), 100, MINUTE, T0 + 2_000, 30);
        const refused = await store.take(key(), 100, MINUTE, T0 + 3_000, 60);
        // 90 + 60 = 150: 50 must leave, so the first two (60 in all) must go; the second leaves at T0+61s.
        assert.deepEqual(pick(refused), { allowed: false, spent: 90, remaining: 10, retryAfterMs: 58_000, freesAmount: 60 });
        assert.equal((await store.take(key(), 100, MINUTE, T0 + MINUTE + 1_000 - 1, 60)).allowed, false);
        assert.equal((await store.take(key(), 100, MINUTE, T0 + MINUTE + 1_000, 60)).allowed, true);
      }));

    test('weighted: an amount above max never fits, even in an empty window', () =>
      withStore(async (store, key) => {
        const refused = await store.take(key(), 100, MINUTE, T0, 101);
        assert.equal(refused.allowed, false);
        assert.equal(refused.remaining, 100);
        assert.equal((await store.take(key(), 100, MINUTE, T0, 100)).allowed, true, 'nothing was counted for the refused amount');
      }));

    test('weighted: fractional amounts are counted as they are', () =>
      withStore(async (store, key) => {
        assert.equal((await store.take(key(), 1, MINUTE, T0, 0.25)).allowed, true);
        assert.equal((await store.take(key(), 1, MINUTE, T0 + 1, 0.5)).allowed, true);
        assert.equal((await store.take(key(), 1, MINUTE, T0 + 2, 0.5)).allowed, false);
        const last = await store.take(key(), 1, MINUTE, T0 + 3, 0.25);
        assert.deepEqual([last.allowed, last.spent, last.remaining], [true, 0.75, 0]);
      }));

    test('weighted: exact under concurrency: 30 simultaneous takes of 5,000 against 50,000 admit exactly 10', () =>
      withStore(async (store, key) => {
        const takes = await Promise.all(Array.from({ length: 30 }, () => store.take(key(), 50_000, DAY, T0, 5_000)));
        const admitted = takes.filter((t) => t.allowed);
        assert.equal(admitted.length, 10);
        assert.deepEqual(admitted.map((t) => t.spent).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i * 5_000));
        assert.ok(takes.filter((t) => !t.allowed).every((t) => t.spent === 50_000 && t.remaining === 0));
      }));

    test('weighted: mixed simultaneous amounts never overshoot, and what is admitted is what is counted', () =>
      withStore(async (store, key) => {
        // 40 takes of 1..40 (820 in all) against 300, all at once.
        const amounts = Array.from({ length: 40 }, (_, i) => i + 1);
        const takes = await Promise.all(amounts.map((amount, i) => store.take(key(), 300, MINUTE, T0 + (i % 3), amount)));
        const admitted = amounts.filter((_, i) => takes[i].allowed).reduce((a, b) => a + b, 0);
        assert.ok(admitted <= 300, `admitted ${admitted} > 300`);
        const probe = await store.take(key(), 300, MINUTE, T0 + 3, 1000);
        assert.equal(probe.spent, admitted, 'the store counted exactly the admitted amounts');
      }));

    test('weighted: simultaneous undos give back exactly what was taken', () =>
      withStore(async (store, key) => {
        const takes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.take(key(), 1_000, MINUTE, T0, 10 + i)));
        assert.ok(takes.every((t) => t.allowed));
        const even = takes.filter((_, i) => i % 2 === 0);
        await Promise.all([...even, ...even].map((t) => t.undo())); // the second undo of each must change nothing
        const probe = await store.take(key(), 1_000, MINUTE, T0 + 1, 1_001);
        // Kept: 10 + i for odd i (11, 13, … 29): 200.
        assert.equal(probe.spent, 200);
      }));

    test('weighted: undo gives the amount back; undoing after it left the window frees nothing', () =>
      withStore(async (store, key) => {
        const big = await store.take(key(), 100, MINUTE, T0, 70);
        await store.take(key(), 100, MINUTE, T0 + 1_000, 20);
        assert.equal((await store.take(key(), 100, MINUTE, T0 + 2_000, 50)).allowed, false);
        await big.undo();
        const fits = await store.take(key(), 100, MINUTE, T0 + 3_000, 50);
        assert.deepEqual([fits.allowed, fits.spent, fits.remaining], [true, 20, 30]);

        const old = await store.take(key('b'), 100, 1_000, T0, 60);
        await store.take(key('b'), 100, 1_000, T0 + 1_000, 40);
        await old.undo();
        assert.equal((await store.take(key('b'), 100, 1_000, T0 + 1_001, 61)).allowed, false, 'the 40 at +1s is still counted');
      }));

    test('weighted: rate-limit takes of 1 and budget amounts on other keys do not mix', () =>
      withStore(async (store, key) => {
        assert.equal((await store.take(key('calls'), 2, MINUTE, T0)).allowed, true);
        assert.equal((await store.take(key('cents'), 2, MINUTE, T0, 2)).allowed, true);
        const calls = await store.take(key('calls'), 2, MINUTE, T0);
        assert.deepEqual([calls.allowed, calls.spent, calls.remaining], [true, 1, 0]);
      }));

    test('weighted: amounts that cannot be counted are rejected, never taken as 0', () =>
      withStore(async (store, key) => {
        for (const amount of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          await assert.rejects(store.take(key(), 100, MINUTE, T0, amount), RangeError, String(amount));
        }
        for (const max of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(store.take(key(), max, MINUTE, T0, 1), RangeError, `max ${max}`);
        }
        await assert.rejects(store.take(key(), 100, 0, T0, 1), RangeError);
        assert.equal((await store.take(key(), 100, MINUTE, T0, 100)).allowed, true, 'the rejected takes counted nothing');
      }));

    test('weighted: a snapshot reports spent, remaining and when the oldest amount frees, and takes nothing', async () => {
      const store = await makeStore();
      try {
        if (!store.snapshot) return;
        const key = `test:${randomUUID()}:budget`;
        await store.take(key, 50_000, DAY, T0, 20_000);
        await store.take(key, 50_000, DAY, T0 + HOUR, 22_000);
        const usage = (await store.snapshot(T0 + 2 * HOUR)).find((u) => u.key === key);
        assert.deepEqual(usage, { key, used: 42_000, max: 50_000, remaining: 8_000, windowMs: DAY, nextFreeInMs: DAY - 2 * HOUR, nextFreeAmount: 20_000, resetsInMs: DAY - HOUR });
        assert.equal((await store.take(key, 50_000, DAY, T0 + 2 * HOUR, 8_000)).allowed, true, 'the snapshot took nothing');
      } finally {
        await store.close();
      }
    });

    test('take after close is rejected, not silently allowed', async () => {
      const store = await makeStore();
      await store.close();
      await assert.rejects(store.take(`test:${randomUUID()}`, 1, MINUTE, T0));
    });
  });
}
