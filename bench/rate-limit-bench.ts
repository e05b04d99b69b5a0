#!/usr/bin/env node
/**
 * The rate-limit take alone, on the memory store and on the Redis store: the realistic rule's
 * limit (10⁹ per 60 s, never trips) counted on one key, each take timed on its own. A Redis take
 * is one Lua script on the Redis server's clock, as the gateway runs it: a round trip to Redis.
 * Run in its own process (the harness starts it) so the load tests' heaps do not disturb it.
 *
 *   node dist/bench/rate-limit-bench.js --redis URL --prefix PREFIX [--quick]   prints one JSON array
 *
 * The keys it writes are under PREFIX; the harness removes them at the end of the run.
 */
import { parseArgs } from 'node:util';
import { MemoryRateLimitStore } from '../src/store/memory-rate-limit-store.js';
import type { RateLimitStore } from '../src/store/rate-limit-store.js';
import { RedisConnection } from '../src/store/redis-connection.js';
import { RedisRateLimitStore } from '../src/store/redis/redis-rate-limit-store.js';
import { timeEach, type Percentiles } from './timed.js';

export interface TakeTiming extends Percentiles {
  store: 'memory' | 'redis';
  takes: number;
}

const MAX = 1_000_000_000;
const WINDOW_MS = 60_000;

async function timeTakes(store: RateLimitStore, which: TakeTiming['store'], takes: number): Promise<TakeTiming> {
  const take = async () => {
    const outcome = await store.take('bench:echo', MAX, WINDOW_MS, Date.now());
    if (!outcome.allowed) throw new Error(`the ${which} store refused a take under a limit that never trips`);
  };
  for (let i = 0; i < Math.min(takes, 2_000); i++) await take(); // warm-up: JIT, the connection, the script cached in Redis
  const timing = await timeEach(takes, take);
  await store.close();
  return { store: which, takes, ...timing };
}

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, redis: { type: 'string' }, prefix: { type: 'string' } } });
if (values.redis === undefined || values.prefix === undefined) throw new Error('give --redis URL and --prefix PREFIX');
const takes = values.quick ? 2_000 : 20_000;
const redis = new RedisConnection({ url: values.redis, prefix: values.prefix });
const rows = [await timeTakes(new MemoryRateLimitStore(), 'memory', takes), await timeTakes(new RedisRateLimitStore(redis), 'redis', takes)];
process.stdout.write(`${JSON.stringify(rows)}\n`);
