/**
 * Where rate-limit counters live. Kept to one operation so a shared backend (Redis) can do it
 * atomically in one round trip. The clock is a parameter: stores never read the time themselves,
 * which keeps them deterministic under test and consistent across gateway replicas.
 */
export interface RateLimitStore {
  /** Atomically count one call against `key` if fewer than `max` calls fell in the last `windowMs`. */
  take(key: string, max: number, windowMs: number, nowMs: number): Promise<RateLimitTake>;
  close(): Promise<void>;
}

export interface RateLimitTake {
  allowed: boolean;
  /** Calls still admitted in the current window after this one. */
  remaining: number;
  /** When refused: milliseconds until the oldest counted call leaves the window. 0 when allowed. */
  retryAfterMs: number;
  /** Give the call back (upstream failed before it ran). Does nothing when refused or already undone. */
  undo(): Promise<void>;
}
