import { ToolgateError } from '../errors.js';
import type { RateLimitStore, RateLimitTake, RateLimitUsage } from './rate-limit-store.js';

/** One key's log: admitted call times, oldest first, starting at `head`. */
interface Log {
  times: number[];
  head: number;
  windowMs: number;
  /** The max of the last take, for snapshots. */
  max: number;
}

export interface MemoryRateLimitStoreOptions {
  /** How often (in the injected clock's time) idle keys are swept. Default one minute. */
  sweepIntervalMs?: number;
  /** Keys held at most (default 100,000): a new key beyond them is refused, after a sweep, as a store error. */
  maxKeys?: number;
}

const DEFAULT_MAX_KEYS = 100_000;

const NOOP = async (): Promise<void> => {};

/**
 * An exact sliding-window log for one gateway process. `take` does all its work synchronously,
 * so concurrent calls on the event loop cannot interleave between the count and the append:
 * 15 simultaneous takes against a limit of 10 admit exactly 10.
 *
 * A key counts at most `max` live timestamps (expired ones are dropped lazily, in batches).
 * Keys whose newest call has left the window are removed by a sweep that runs at most once per
 * `sweepIntervalMs`, so names seen once (tools, sessions) do not stay in memory. Keys are also
 * capped (`maxKeys`): when a flood of distinct names fills the store within a window, a call
 * needing a new key is refused (fail closed: evicting a live counter would hand out its budget again).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #logs = new Map<string, Log>();
  readonly #sweepIntervalMs: number;
  readonly #maxKeys: number;
  #lastSweepMs = -Infinity;
  #closed = false;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /** Keys currently held; for tests and metrics. */
  get size(): number {
    return this.#logs.size;
  }

  /** The keys held, including those with no call in their window yet to be swept; for tests. */
  keys(): IterableIterator<string> {
    return this.#logs.keys();
  }

  take(key: string, max: number, windowMs: number, nowMs: number): Promise<RateLimitTake> {
    if (this.#closed) {
      return Promise.reject(new ToolgateError('store_error', 'The in-memory rate-limit store is closed; the gateway is shutting down.'));
    }
    if (!(Number.isInteger(max) && max >= 1 && windowMs > 0)) {
      return Promise.reject(new RangeError(`rate limit needs max >= 1 and windowMs > 0, got max=${max} windowMs=${windowMs}`));
    }
    if (nowMs - this.#lastSweepMs >= this.#sweepIntervalMs) this.#sweep(nowMs);

    let log = this.#logs.get(key);
    if (!log) {
      if (this.#logs.size >= this.#maxKeys) this.#sweep(nowMs);
      if (this.#logs.size >= this.#maxKeys) {
        return Promise.reject(
          new ToolgateError('store_error', `The in-memory rate-limit store holds its maximum of ${this.#maxKeys} counters, all inside their windows (a flood of distinct tool names?); the call is refused until some expire.`),
        );
      }
      this.#logs.set(key, (log = { times: [], head: 0, windowMs, max }));
    }
    log.windowMs = windowMs;
    log.max = max;
    prune(log, nowMs);
    const count = log.times.length - log.head;
    if (count >= max) {
      // The call that must leave the window before one more fits (the oldest, unless max shrank).
      const blocking = log.times[log.times.length - max];
      return Promise.resolve({ allowed: false, remaining: 0, retryAfterMs: blocking + windowMs - nowMs, undo: NOOP });
    }
    insertSorted(log, nowMs);
    let undone = false;
    const undo = async (): Promise<void> => {
      if (undone) return;
      undone = true;
      this.#forget(key, log, nowMs);
    };
    return Promise.resolve({ allowed: true, remaining: max - count - 1, retryAfterMs: 0, undo });
  }

  snapshot(nowMs: number): RateLimitUsage[] {
    const usage: RateLimitUsage[] = [];
    for (const [key, log] of this.#logs) {
      // Read-only: count live times without pruning, so a snapshot never changes what take() sees.
      const cutoff = nowMs - log.windowMs;
      let first = log.head;
      while (first < log.times.length && log.times[first] <= cutoff) first += 1;
      const used = log.times.length - first;
      if (used === 0) continue;
      usage.push({
        key,
        used,
        max: log.max,
        windowMs: log.windowMs,
        nextFreeInMs: log.times[first] + log.windowMs - nowMs,
        resetsInMs: log.times[log.times.length - 1] + log.windowMs - nowMs,
      });
    }
    return usage;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#logs.clear();
  }

  /** Removes one admitted call, if it is still in the log that admitted it. */
  #forget(key: string, log: Log, at: number): void {
    if (this.#logs.get(key) !== log) return;
    const i = log.times.lastIndexOf(at);
    if (i >= log.head) log.times.splice(i, 1);
  }

  #sweep(nowMs: number): void {
    this.#lastSweepMs = nowMs;
    for (const [key, log] of this.#logs) {
      const newest = log.times[log.times.length - 1];
      if (newest === undefined || newest + log.windowMs <= nowMs) this.#logs.delete(key);
    }
  }
}

/** Callers may read the clock before awaiting, so times can arrive slightly out of order. */
function insertSorted(log: Log, nowMs: number): void {
  const times = log.times;
  let i = times.length;
  while (i > log.head && times[i - 1] > nowMs) i -= 1;
  if (i === times.length) times.push(nowMs);
  else times.splice(i, 0, nowMs);
}

/** Drops calls that have left the window; compacts the array once half of it is dead. */
function prune(log: Log, nowMs: number): void {
  const cutoff = nowMs - log.windowMs;
  const times = log.times;
  let head = log.head;
  while (head < times.length && times[head] <= cutoff) head += 1;
  if (head === times.length) {
    times.length = 0;
    head = 0;
  } else if (head > 32 && head * 2 > times.length) {
    times.splice(0, head);
    head = 0;
  }
  log.head = head;
}
