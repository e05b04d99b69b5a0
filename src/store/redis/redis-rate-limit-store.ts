/**
 * Rate limits and budgets in Redis: one sliding window of amounts per key, exact across every
 * gateway of a fleet. Each take is one Lua script, so whatever the interleaving of instances the
 * amounts admitted inside any window never add up to more than `max` — the same semantics as the
 * memory store, which runs the same shared test suite.
 *
 * Per key: a sorted set of takes (score = time, member = `<take id>|<amount>`) and the running sum
 * of its members. A take drops the members that left the window (subtracting them), then admits
 * or refuses; undo removes its own member, if still there. Both keys expire one window after their
 * newest take, so names seen once leave nothing behind.
 *
 * Time comes from the Redis server's clock (TIME) by default, so instances whose clocks drift
 * still share one window; `clock: 'caller'` uses the `nowMs` each take is given (tests).
 */
import { randomBytes } from 'node:crypto';
import { ToolgateError } from '../../errors.js';
import { invalidTake, type RateLimitStore, type RateLimitTake } from '../rate-limit-store.js';
import { luaScript, type RedisConnection } from '../redis-connection.js';

// KEYS: takes (zset), sum. ARGV: now ('' = server clock), windowMs, max, amount, take id.
// Returns {admitted, spent, retryAfterMs, freesAmount} as strings (Lua numbers are doubles; integer replies would truncate).
const TAKE = luaScript(`
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local window, max, amount = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function amountOf(member) return tonumber(string.match(member, '|([^|]*)$')) end
local spent = tonumber(redis.call('GET', KEYS[2]) or '0')
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - window)
if #expired > 0 then
  for _, member in ipairs(expired) do spent = spent - amountOf(member) end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
end
if redis.call('ZCARD', KEYS[1]) == 0 then spent = 0 end
if spent + amount > max then
  if #expired > 0 then redis.call('SET', KEYS[2], string.format('%.17g', spent), 'KEEPTTL') end
  local left, freed, at = spent, 0, nil
  local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    local a = amountOf(entries[i])
    left, freed, at = left - a, freed + a, tonumber(entries[i + 1])
    if amount <= max and left + amount <= max then break end
  end
  local retry = 0
  if at then retry = at + window - now end
  return {'0', string.format('%.17g', spent), string.format('%.17g', retry), string.format('%.17g', freed)}
end
redis.call('ZADD', KEYS[1], now, ARGV[5] .. '|' .. ARGV[4])
redis.call('SET', KEYS[2], string.format('%.17g', spent + amount))
local newest = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
local ttl = math.max(1, math.ceil(newest + window - now))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return {'1', string.format('%.17g', spent), '0', '0'}`);

// KEYS: takes, sum. ARGV: member, amount. Gives an admitted amount back if its member is still counted.
const UNDO = luaScript(`
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2])
else
  local spent = tonumber(redis.call('GET', KEYS[2]) or '0') - tonumber(ARGV[2])
  redis.call('SET', KEYS[2], string.format('%.17g', math.max(0, spent)), 'KEEPTTL')
end
return 1`);

const NOOP = async (): Promise<void> => {};

export interface RedisRateLimitStoreOptions {
  /** `server` (default): the Redis server's clock. `caller`: the `nowMs` given to each take. */
  clock?: 'server' | 'caller';
}

export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: RedisConnection;
  readonly #serverClock: boolean;
  /** Take ids: unique per store instance and take, so an undo removes exactly its own amount. */
  readonly #instance = randomBytes(9).toString('base64url');
  #seq = 0;
  #closed = false;

  constructor(redis: RedisConnection, options: RedisRateLimitStoreOptions = {}) {
    this.#redis = redis;
    this.#serverClock = (options.clock ?? 'server') === 'server';
  }

  async take(key: string, max: number, windowMs: number, nowMs: number, amount = 1): Promise<RateLimitTake> {
    const invalid = invalidTake(max, windowMs, amount);
    if (invalid) throw new RangeError(invalid);
    if (this.#closed) throw new ToolgateError('store_error', 'The Redis rate-limit store is closed; the gateway is shutting down.');
    const keys = [this.#redis.key('rl', key), this.#redis.key('rl', key, 'sum')];
    const member = `${this.#instance}.${(++this.#seq).toString(36)}`;
    const reply = (await this.#redis.evalScript(`cannot count the call against rate limit ${key}`, TAKE, keys, [
      this.#serverClock ? '' : Math.round(nowMs),
      Math.round(windowMs),
      max,
      amount,
      member,
    ])) as string[];
    const [admitted, spent, retryAfterMs, freesAmount] = [reply[0] === '1', Number(reply[1]), Number(reply[2]), Number(reply[3])];
    if (!admitted) return { allowed: false, spent, remaining: Math.max(0, max - spent), retryAfterMs, freesAmount, undo: NOOP };
    let undone = false;
    const undo = async (): Promise<void> => {
      if (undone) return;
      undone = true;
      await this.#redis.evalScript(`cannot give the call back to rate limit ${key}`, UNDO, keys, [`${member}|${amount}`, amount]);
    };
    return { allowed: true, spent, remaining: Math.max(0, max - spent - amount), retryAfterMs: 0, freesAmount: 0, undo };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#redis.close();
  }
}
