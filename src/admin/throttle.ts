/**
 * Throttles failed attempts to prove the admin token (a wrong sign-in, a wrong Bearer header),
 * per client address: after `max` failures within `windowMs` an address is refused with 429 and
 * `Retry-After` until the oldest of them leaves the window. Per address, so a guesser cannot lock
 * the admin out from elsewhere (as one throttle for everybody could); IPv6 clients are counted
 * per /64, the block one host usually holds. Bounded: at most `maxAddresses` are tracked.
 */
import { isIP } from 'node:net';
import { ToolgateError } from '../errors.js';

export interface AttemptThrottleOptions {
  max: number;
  windowMs: number;
  now: () => number;
  /** Addresses tracked at most; beyond them the longest-quiet one is forgotten. Default 10,000. */
  maxAddresses?: number;
}

export class AttemptThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #options: Required<AttemptThrottleOptions>;

  constructor(options: AttemptThrottleOptions) {
    this.#options = { maxAddresses: 10_000, ...options };
  }

  /** Throws `too_many_attempts` (429, Retry-After) when this address failed too often lately. */
  check(address: string | undefined, what: string): void {
    const recent = this.#recent(clientKey(address));
    if (recent.length < this.#options.max) return;
    const retryAfterS = Math.max(1, Math.ceil((recent[0] + this.#options.windowMs - this.#options.now()) / 1000));
    throw new ToolgateError('too_many_attempts', `Too many wrong admin tokens from this address (${this.#options.max} in ${Math.round(this.#options.windowMs / 1000)}s); ${what} is refused for ${retryAfterS}s`, {
      data: { retryAfterS, hint: 'copy the token from where toolgate printed it, or from <data_dir>/admin-token, then try again after the wait' },
    });
  }

  fail(address: string | undefined): void {
    const key = clientKey(address);
    const recent = this.#recent(key);
    recent.push(this.#options.now());
    this.#failures.delete(key); // re-inserted last: the map's order is oldest activity first
    if (this.#failures.size >= this.#options.maxAddresses) this.#failures.delete(this.#failures.keys().next().value!);
    this.#failures.set(key, recent);
  }

  /** Addresses with failures on record; for tests. */
  get size(): number {
    return this.#failures.size;
  }

  #recent(key: string): number[] {
    const cutoff = this.#options.now() - this.#options.windowMs;
    const times = this.#failures.get(key);
    if (!times) return [];
    const recent = times.filter((at) => at > cutoff);
    if (recent.length === 0) this.#failures.delete(key);
    else if (recent.length !== times.length) this.#failures.set(key, recent);
    return recent;
  }
}

/** The throttled unit: an IPv4 address, or the /64 of an IPv6 one. */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (isIP(address) !== 6) return address;
  const [head, tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  // A trailing dotted IPv4 part stands for two groups.
  const width = (parts: string[]) => parts.length + (parts.at(-1)?.includes('.') ? 1 : 0);
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
