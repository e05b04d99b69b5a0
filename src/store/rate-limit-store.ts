/**
 * Where rate-limit and budget counters live: one sliding window of amounts per key. A rate limit
 * takes 1 per call; a budget takes what the call is worth (cents, bytes). Kept to one operation
 * so a shared backend (Redis) can do it atomically in one round trip: whatever the interleaving,
 * the amounts admitted inside any window never add up to more than `max`.
 *
 * The clock is a parameter: stores never read the time themselves, which keeps them
 * deterministic under test and consistent across gateway replicas.
 */
export interface RateLimitStore {
  /**
   * Atomically count `amount` against `key` if the amounts taken in the last `windowMs` (times
   * `t` with `nowMs - windowMs < t <= nowMs`) plus `amount` stay within `max`; else take nothing.
   * `amount` must be finite and > 0 (default 1, one call), `max` finite and > 0, `windowMs` > 0:
   * otherwise the promise rejects with a RangeError. An `amount` above `max` never fits and is refused.
   */
  take(key: string, max: number, windowMs: number, nowMs: number, amount?: number): Promise<RateLimitTake>;
  close(): Promise<void>;
  /**
   * Read-only: every key with amounts still inside its window, for the admin API and dashboard.
   * Optional, so a shared backend may leave it out (the dashboard then says so).
   */
  snapshot?(nowMs: number): Promise<RateLimitUsage[]>;
}

/** One key's use at a moment. */
export interface RateLimitUsage {
  key: string;
  /** The sum of the amounts counted in the window now (calls, for a rate limit). */
  used: number;
  /** The max of the last take. */
  max: number;
  /** `max - used`, never below 0 (a lowered max can leave more counted than it allows). */
  remaining: number;
  windowMs: number;
  /** Milliseconds until the oldest counted amount leaves the window. */
  nextFreeInMs: number;
  /** The amount that leaves then. */
  nextFreeAmount: number;
  /** Milliseconds until every counted amount has left the window. */
  resetsInMs: number;
}

export interface RateLimitTake {
  allowed: boolean;
  /** The sum counted in the window before this take. */
  spent: number;
  /** What is left in the window: after this amount when allowed, before it when refused; never below 0. */
  remaining: number;
  /**
   * When refused: milliseconds until enough has left the window for `amount` to fit (for an
   * amount above `max`, which never fits: until the window is empty). 0 when allowed.
   */
  retryAfterMs: number;
  /** When refused: the amount that will have left the window by then. 0 when allowed. */
  freesAmount: number;
  /** Give the amount back (the upstream failed). Does nothing when refused, already undone, or once it left the window. */
  undo(): Promise<void>;
}

/** Why a take's numbers cannot be counted, or undefined when they can. */
export function invalidTake(max: number, windowMs: number, amount: number): string | undefined {
  if (!(Number.isFinite(max) && max > 0 && Number.isFinite(windowMs) && windowMs > 0)) {
    return `a rate limit or budget needs max > 0 and windowMs > 0, got max=${max} windowMs=${windowMs}`;
  }
  if (!(Number.isFinite(amount) && amount > 0)) return `an amount to count must be a finite number above 0, got ${amount}`;
  return undefined;
}
