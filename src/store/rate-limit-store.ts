/**
 * Where rate-limit counters live. Kept to one operation so a shared backend (Redis) can do it
 * atomically in one round trip. The clock is a parameter: stores never read the time themselves,
 * which keeps them deterministic under test and consistent across gateway replicas.
 */
export interface RateLimitStore {
  /** Atomically count one call against `key` if fewer than `max` calls fell in the last `windowMs`. */
  take(key: string, max: number, windowMs: number, nowMs: number): Promise<RateLimitTake>;
  close(): Promise<void>;
  /**
   * Read-only: every key with calls still inside its window, for the admin API and dashboard.
   * Optional, so a shared backend may leave it out (the dashboard then says so).
   */
  snapshot?(nowMs: number): RateLimitUsage[];
}

/** One key's use at a moment. */
export interface RateLimitUsage {
  key: string;
  /** Calls counted in the window now. */
  used: number;
  /** The limit the last call was checked against. */
  max: number;
  windowMs: number;
  /** Milliseconds until the oldest counted call leaves the window and frees a slot. */
  nextFreeInMs: number;
  /** Milliseconds until every counted call has left the window. */
  resetsInMs: number;
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
