/**
 * The real Redis the tests share (127.0.0.1:6379, or TOOLGATE_TEST_REDIS). Every test works under
 * its own key prefix, so runs in parallel never see each other; `dropKeys` removes a run's keys.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { RedisConfig } from '../../src/config/types.js';
import { RedisConnection } from '../../src/store/redis-connection.js';
import { spawnReady, type RunningProcess } from '../helpers/processes.js';

export const REDIS_URL = process.env.TOOLGATE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A prefix of its own for one test run: `toolgate-test:<uuid>:`. */
export function testPrefix(): string {
  return `toolgate-test:${randomUUID()}:`;
}

export function redisConfig(prefix = testPrefix(), url = REDIS_URL): RedisConfig {
  return { url, prefix };
}

export function connection(prefix = testPrefix(), url = REDIS_URL): RedisConnection {
  return new RedisConnection(redisConfig(prefix, url));
}

/** Deletes every key under `prefix` (each test's prefix, or a run's common start). */
export async function dropKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
    if (keys.length > 0) await client.del(keys);
  } finally {
    await client.close();
  }
}

/**
 * A redis-server of the test's own on `port` (nothing kept on disk), for what the shared one must
 * not go through: being stopped, frozen (SIGSTOP) or restarted.
 */
export function startPrivateRedis(port: number): Promise<RunningProcess> {
  return spawnReady({ name: 'redis-server', command: 'redis-server', args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], ready: /Ready to accept connections/ });
}
