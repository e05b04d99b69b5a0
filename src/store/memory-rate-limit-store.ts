import { ToolgateError } from '../errors.js';
import { invalidTake, type RateLimitStore, type RateLimitTake, type RateLimitUsage } from './rate-limit-store.js';

/**
 * One key's log: the live entries, oldest first, in a ring of parallel typed arrays (time, amount,
 * id), so a take allocates no entry and a busy key's log is not a heap of small objects for the
 * garbage collector to walk and promote (that cost the decision's p99 a factor of eight).
 * Takes at the same millisecond share an entry; `id` tells an undo which entry holds its amount.
 */
interface Log {
  times: Float64Array;
  amounts: Float64Array;
  ids: Float64Array;
  /** Ring index of the oldest live entry; the capacity is a power of two. */
  head: number;
  count: number;
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
const INITIAL_CAPACITY = 8;

const NOOP = async (): Promise<void> => {};

/**
 * An exact sliding-window log of amounts for one gateway process. `take` does all its work
 * synchronously, so concurrent calls on the event loop cannot interleave between the sum and the
 * append: 15 simultaneous takes of 1 against a max of 10 admit exactly 10, and 30 takes of 5,000
 * against 50,000 exactly 10.
 *
 * Expired entries are dropped lazily. Keys whose newest amount has left the window are removed
 * by a sweep that runs at most once per `sweepIntervalMs`, so names seen once (tools, sessions)
 * do not stay in memory. Keys are also capped (`maxKeys`): when a flood of distinct names fills
 * the store within a window, a call needing a new key is refused (fail closed: evicting a live
 * counter would hand out its budget again).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #logs = new Map<string, Log>();
  readonly #sweepIntervalMs: number;
  readonly #maxKeys: number;
  readonly #maxEntries: number;
  #lastSweepMs = -Infinity;
  #nextEntryId = 1;
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
      this.#logs.set(key, (log = newLog(windowMs, max)));
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
    const id = this.#record(log, nowMs, amount);
    const admittedLog = log;
    let undone = false;
    const undo = async (): Promise<void> => {
      if (undone) return;
      undone = true;
      if (this.#logs.get(key) === admittedLog) giveBack(admittedLog, id, nowMs, amount);
    };
    return Promise.resolve({ allowed: true, spent, remaining: Math.max(0, max - spent - amount), retryAfterMs: 0, freesAmount: 0, undo });
  }

  snapshot(nowMs: number): Promise<RateLimitUsage[]> {
    const usage: RateLimitUsage[] = [];
    for (const [key, log] of this.#logs) {
      // Read-only: sum live entries without pruning, so a snapshot never changes what take() sees.
      const cutoff = nowMs - log.windowMs;
      let first = 0;
      while (first < log.count && timeAt(log, first) <= cutoff) first += 1;
      if (first === log.count) continue;
      let used = 0;
      for (let i = first; i < log.count; i++) used += amountAt(log, i);
      usage.push({
        key,
        used,
        max: log.max,
        remaining: Math.max(0, log.max - used),
        windowMs: log.windowMs,
        nextFreeInMs: timeAt(log, first) + log.windowMs - nowMs,
        nextFreeAmount: amountAt(log, first),
        resetsInMs: timeAt(log, log.count - 1) + log.windowMs - nowMs,
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
   * arrive slightly out of order); returns the id of the entry that holds it.
   */
  #record(log: Log, nowMs: number, amount: number): number {
    log.spent += amount;
    let i = log.count;
    while (i > 0 && timeAt(log, i - 1) > nowMs) i -= 1;
    if (i > 0 && timeAt(log, i - 1) === nowMs) {
      log.amounts[slot(log, i - 1)] += amount;
      return log.ids[slot(log, i - 1)];
    }
    if (log.count >= this.#maxEntries) {
      const newest = slot(log, log.count - 1);
      log.times[newest] = Math.max(log.times[newest], nowMs);
      log.amounts[newest] += amount;
      return log.ids[newest];
    }
    const id = this.#nextEntryId++;
    insertAt(log, i, nowMs, amount, id);
    return id;
  }

  #sweep(nowMs: number): void {
    this.#lastSweepMs = nowMs;
    for (const [key, log] of this.#logs) {
      if (log.count === 0 || timeAt(log, log.count - 1) + log.windowMs <= nowMs) this.#logs.delete(key);
    }
  }
}

function newLog(windowMs: number, max: number): Log {
  return {
    times: new Float64Array(INITIAL_CAPACITY),
    amounts: new Float64Array(INITIAL_CAPACITY),
    ids: new Float64Array(INITIAL_CAPACITY),
    head: 0,
    count: 0,
    spent: 0,
    windowMs,
    max,
  };
}

/** The ring slot of the i-th live entry (0 = oldest). */
function slot(log: Log, i: number): number {
  return (log.head + i) & (log.times.length - 1);
}

function timeAt(log: Log, i: number): number {
  return log.times[slot(log, i)];
}

function amountAt(log: Log, i: number): number {
  return log.amounts[slot(log, i)];
}

/** Inserts an entry as the i-th live one, moving the newer ones up a slot. */
function insertAt(log: Log, i: number, time: number, amount: number, id: number): void {
  if (log.count === log.times.length) resize(log, log.times.length * 2);
  for (let j = log.count; j > i; j--) copySlot(log, slot(log, j - 1), slot(log, j));
  const at = slot(log, i);
  log.times[at] = time;
  log.amounts[at] = amount;
  log.ids[at] = id;
  log.count += 1;
}

/** Removes the i-th live entry, moving the newer ones down a slot. */
function removeAt(log: Log, i: number): void {
  for (let j = i + 1; j < log.count; j++) copySlot(log, slot(log, j), slot(log, j - 1));
  log.count -= 1;
}

function copySlot(log: Log, from: number, to: number): void {
  log.times[to] = log.times[from];
  log.amounts[to] = log.amounts[from];
  log.ids[to] = log.ids[from];
}

/** Moves the live entries, oldest first, into arrays of `capacity` slots (a power of two). */
function resize(log: Log, capacity: number): void {
  const times = new Float64Array(capacity);
  const amounts = new Float64Array(capacity);
  const ids = new Float64Array(capacity);
  for (let i = 0; i < log.count; i++) {
    const from = slot(log, i);
    times[i] = log.times[from];
    amounts[i] = log.amounts[from];
    ids[i] = log.ids[from];
  }
  log.times = times;
  log.amounts = amounts;
  log.ids = ids;
  log.head = 0;
}

/**
 * Takes an admitted amount back out of the entry `id`, if it is still live. Times are in order
 * and an entry's time only ever moves later (a full log folds later amounts into its newest
 * entry), so it sits at or after the time of the take: usually exactly there.
 */
function giveBack(log: Log, id: number, time: number, amount: number): void {
  const first = firstAtOrAfter(log, time);
  let i = first;
  if (i < log.count && log.ids[slot(log, i)] !== id) {
    i = log.count - 1;
    while (i > first && log.ids[slot(log, i)] !== id) i -= 1;
  }
  if (i >= log.count || log.ids[slot(log, i)] !== id) return;
  const at = slot(log, i);
  log.amounts[at] -= amount;
  log.spent -= amount;
  if (log.amounts[at] <= 0) removeAt(log, i);
  if (log.count === 0) log.spent = 0;
}

/** The index of the first live entry at or after `time` (binary search; times are in order). */
function firstAtOrAfter(log: Log, time: number): number {
  let low = 0;
  let high = log.count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (timeAt(log, middle) < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The entry that must leave the window before `amount` fits, and what will have left by then.
 * An amount above `max` never fits: then everything must leave.
 */
function whenItFits(log: Log, amount: number, max: number): { at: number | undefined; amount: number } {
  let left = log.spent;
  let freed = 0;
  let at: number | undefined;
  for (let i = 0; i < log.count; i++) {
    const leaving = amountAt(log, i);
    left -= leaving;
    freed += leaving;
    at = timeAt(log, i);
    if (amount <= max && left + amount <= max) break;
  }
  return { at, amount: freed };
}

/** Drops entries that have left the window; gives back most of a ring that has emptied out. */
function prune(log: Log, nowMs: number): void {
  const cutoff = nowMs - log.windowMs;
  while (log.count > 0 && log.times[log.head] <= cutoff) {
    log.spent -= log.amounts[log.head];
    log.head = (log.head + 1) & (log.times.length - 1);
    log.count -= 1;
  }
  if (log.count === 0) log.spent = 0; // no rounding left over from fractional amounts
  if (log.times.length > INITIAL_CAPACITY && log.count * 4 < log.times.length) resize(log, log.times.length / 2);
}
