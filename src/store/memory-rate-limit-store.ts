import { ToolgateError } from '../errors.js';
import { invalidTake, type RateLimitStore, type RateLimitTake, type RateLimitUsage } from './rate-limit-store.js';

/** Amounts taken at one instant (takes at the same millisecond share an entry). */
interface Entry {
  time: number;
  amount: number;
}

/** One key's log: live entries oldest first, starting at `head`. */
interface Log {
  entries: Entry[];
  head: number;
  /** The sum of the live entries' amounts. */
  spent: number;
  windowMs: number;
  /** The max of the last take, for snapshots. */
  max: number;
}

export interface MemoryRateLimitStoreOptions {
  /** How often (in the injected clock's time) idle keys are swept. Default one minute. */
  sweepIntervalMs?: number;
  /** Keys held at most (default 100,000): a new key beyond them is refused, after a sweep, as a store error. */
  maxKeys?: number;
  /**
   * Distinct instants one key holds at most (default 100,000). Past it a new amount joins the
   * newest entry, which then leaves the window with the latest of them: the key may refuse a little
   * early, never admit too much, and memory stays bounded whatever the amounts.
   */
  maxEntriesPerKey?: number;
}

const DEFAULT_MAX_KEYS = 100_000;
const DEFAULT_MAX_ENTRIES = 100_000;

const NOOP = async (): Promise<void> => {};

/**
 * An exact sliding-window log of amounts for one gateway process. `take` does all its work
 * synchronously, so concurrent calls on the event loop cannot interleave between the sum and the
 * append: 15 simultaneous takes of 1 against a max of 10 admit exactly 10, and 30 takes of 5,000
 * against 50,000 exactly 10.
 *
 * Expired entries are dropped lazily, in batches. Keys whose newest amount has left the window
 * are removed by a sweep that runs at most once per `sweepIntervalMs`, so names seen once (tools,
 * sessions) do not stay in memory. Keys are also capped (`maxKeys`): when a flood of distinct
 * names fills the store within a window, a call needing a new key is refused (fail closed:
 * evicting a live counter would hand out its budget again).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #logs = new Map<string, Log>();
  readonly #sweepIntervalMs: number;
  readonly #maxKeys: number;
  readonly #maxEntries: number;
  #lastSweepMs = -Infinity;
  #closed = false;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.#maxEntries = options.maxEntriesPerKey ?? DEFAULT_MAX_ENTRIES;
  }

  /** Keys currently held; for tests and metrics. */
  get size(): number {
    return this.#logs.size;
  }

  /** The keys held, including those with nothing in their window yet to be swept; for tests. */
  keys(): IterableIterator<string> {
    return this.#logs.keys();
  }

  take(key: string, max: number, windowMs: number, nowMs: number, amount = 1): Promise<RateLimitTake> {
    if (this.#closed) {
      return Promise.reject(new ToolgateError('store_error', 'The in-memory rate-limit store is closed; the gateway is shutting down.'));
    }
    const invalid = invalidTake(max, windowMs, amount);
    if (invalid) return Promise.reject(new RangeError(invalid));
    if (nowMs - this.#lastSweepMs >= this.#sweepIntervalMs) this.#sweep(nowMs);

    let log = this.#logs.get(key);
    if (!log) {
      if (this.#logs.size >= this.#maxKeys) this.#sweep(nowMs);
      if (this.#logs.size >= this.#maxKeys) {
        return Promise.reject(
          new ToolgateError('store_error', `The in-memory rate-limit store holds its maximum of ${this.#maxKeys} counters, all inside their windows (a flood of distinct tool names?); the call is refused until some expire.`),
        );
      }
      this.#logs.set(key, (log = { entries: [], head: 0, spent: 0, windowMs, max }));
    }
    log.windowMs = windowMs;
    log.max = max;
    prune(log, nowMs);
    const spent = log.spent;
    if (spent + amount > max) {
      const frees = whenItFits(log, amount, max);
      return Promise.resolve({
        allowed: false,
        spent,
        remaining: Math.max(0, max - spent),
        retryAfterMs: frees.at === undefined ? 0 : frees.at + windowMs - nowMs,
        freesAmount: frees.amount,
        undo: NOOP,
      });
    }
    const entry = this.#record(log, nowMs, amount);
    let undone = false;
    const undo = async (): Promise<void> => {
      if (undone) return;
      undone = true;
      this.#giveBack(key, log, entry, amount);
    };
    return Promise.resolve({ allowed: true, spent, remaining: Math.max(0, max - spent - amount), retryAfterMs: 0, freesAmount: 0, undo });
  }

  snapshot(nowMs: number): Promise<RateLimitUsage[]> {
    const usage: RateLimitUsage[] = [];
    for (const [key, log] of this.#logs) {
      // Read-only: sum live entries without pruning, so a snapshot never changes what take() sees.
      const cutoff = nowMs - log.windowMs;
      let first = log.head;
      while (first < log.entries.length && log.entries[first].time <= cutoff) first += 1;
      if (first === log.entries.length) continue;
      let used = 0;
      for (let i = first; i < log.entries.length; i++) used += log.entries[i].amount;
      usage.push({
        key,
        used,
        max: log.max,
        remaining: Math.max(0, log.max - used),
        windowMs: log.windowMs,
        nextFreeInMs: log.entries[first].time + log.windowMs - nowMs,
        nextFreeAmount: log.entries[first].amount,
        resetsInMs: log.entries[log.entries.length - 1].time + log.windowMs - nowMs,
      });
    }
    return Promise.resolve(usage);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#logs.clear();
  }

  /**
   * Adds the amount in time order (callers may read the clock before awaiting, so times can
   * arrive slightly out of order); returns the entry that holds it.
   */
  #record(log: Log, nowMs: number, amount: number): Entry {
    log.spent += amount;
    const entries = log.entries;
    let i = entries.length;
    while (i > log.head && entries[i - 1].time > nowMs) i -= 1;
    const same = i > log.head ? entries[i - 1] : undefined;
    if (same !== undefined && same.time === nowMs) {
      same.amount += amount;
      return same;
    }
    if (entries.length - log.head >= this.#maxEntries) {
      const newest = entries[entries.length - 1];
      newest.time = Math.max(newest.time, nowMs);
      newest.amount += amount;
      return newest;
    }
    const entry = { time: nowMs, amount };
    if (i === entries.length) entries.push(entry);
    else entries.splice(i, 0, entry);
    return entry;
  }

  /** Takes an admitted amount back out, if its entry is still live in the log that admitted it. */
  #giveBack(key: string, log: Log, entry: Entry, amount: number): void {
    if (this.#logs.get(key) !== log) return;
    const i = log.entries.indexOf(entry, log.head);
    if (i < 0) return;
    entry.amount -= amount;
    log.spent -= amount;
    if (entry.amount <= 0) log.entries.splice(i, 1);
    if (log.entries.length === log.head) log.spent = 0;
  }

  #sweep(nowMs: number): void {
    this.#lastSweepMs = nowMs;
    for (const [key, log] of this.#logs) {
      const newest = log.entries[log.entries.length - 1];
      if (newest === undefined || newest.time + log.windowMs <= nowMs) this.#logs.delete(key);
    }
  }
}

/**
 * The entry that must leave the window before `amount` fits, and what will have left by then.
 * An amount above `max` never fits: then everything must leave.
 */
function whenItFits(log: Log, amount: number, max: number): { at: number | undefined; amount: number } {
  let left = log.spent;
  let freed = 0;
  let at: number | undefined;
  for (let i = log.head; i < log.entries.length; i++) {
    const entry = log.entries[i];
    left -= entry.amount;
    freed += entry.amount;
    at = entry.time;
    if (amount <= max && left + amount <= max) break;
  }
  return { at, amount: freed };
}

/** Drops entries that have left the window; compacts the array once half of it is dead. */
function prune(log: Log, nowMs: number): void {
  const cutoff = nowMs - log.windowMs;
  const entries = log.entries;
  let head = log.head;
  while (head < entries.length && entries[head].time <= cutoff) {
    log.spent -= entries[head].amount;
    head += 1;
  }
  if (head === entries.length) {
    entries.length = 0;
    head = 0;
    log.spent = 0; // no rounding left over from fractional amounts
  } else if (head > 32 && head * 2 > entries.length) {
    entries.splice(0, head);
    head = 0;
  }
  log.head = head;
}
