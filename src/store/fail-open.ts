/**
 * `state.on_unavailable: open`: when the shared store cannot be reached, a call under a rate
 * limit is forwarded uncounted instead of refused. Only store errors are turned into admissions
 * (a RangeError is a bug in the caller and still rejects); each outage is logged once.
 *
 * Budgets (`bg:` keys, src/policy/rate-limit-key.ts) always fail closed: a spend cap that lifts
 * itself while Redis is away would let an agent move any amount of money or data.
 */
import type { Logger } from 'pino';
import { ToolgateError } from '../errors.js';
import type { RateLimitStore, RateLimitTake } from './rate-limit-store.js';

const NOOP = async (): Promise<void> => {};

export function failOpen(store: RateLimitStore, log?: Logger): RateLimitStore {
  let failing = false;
  return {
    async take(key, max, windowMs, nowMs, amount = 1): Promise<RateLimitTake> {
      try {
        const take = await store.take(key, max, windowMs, nowMs, amount);
        if (failing) log?.info('the shared store counts calls again (state.on_unavailable: open)');
        failing = false;
        return take;
      } catch (error) {
        if (!(error instanceof ToolgateError && error.code === 'store_error') || key.startsWith('bg:')) throw error;
        if (!failing) log?.warn({ err: error }, 'the shared store is unreachable: calls under rate limits are forwarded uncounted, calls under budgets refused (state.on_unavailable: open)');
        failing = true;
        return { allowed: true, spent: 0, remaining: max, retryAfterMs: 0, freesAmount: 0, undo: NOOP };
      }
    },
    close: () => store.close(),
  };
}
