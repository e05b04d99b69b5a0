/**
 * What some toolgate targets need besides the upstream: the run's Redis, under a key prefix of
 * its own (removed at the end of the run), and an OTLP sink for the telemetry-on target.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createClient } from 'redis';
import { startProcess, waitForLine, type Started } from './processes.js';

export interface BenchRedis {
  url: string;
  /** `toolgate-bench:<uuid>:`, unique to the run, so it never reads another run's counters. */
  prefix: string;
}

/** The Redis a run uses: TOOLGATE_BENCH_REDIS, else 127.0.0.1:6379. */
export function benchRedis(): BenchRedis {
  return { url: process.env.TOOLGATE_BENCH_REDIS ?? 'redis://127.0.0.1:6379', prefix: `toolgate-bench:${randomUUID()}:` };
}

/** Fails with a clear message when the run's Redis does not answer (the Redis targets would only show refused calls). */
export async function checkRedis(redis: BenchRedis): Promise<void> {
  await withClient(redis, async (client) => {
    await client.ping();
  });
}

/** Deletes every key of the run's prefix. */
export async function dropBenchKeys(redis: BenchRedis): Promise<void> {
  await withClient(redis, async (client) => {
    for await (const batch of client.scanIterator({ MATCH: `${redis.prefix}*`, COUNT: 1000 })) if (batch.length > 0) await client.del(batch);
  });
}

const clientOf = (redis: BenchRedis) => createClient({ url: redis.url, socket: { connectTimeout: 3000, reconnectStrategy: false } });

async function withClient(redis: BenchRedis, use: (client: ReturnType<typeof clientOf>) => Promise<void>): Promise<void> {
  const client = clientOf(redis);
  client.on('error', () => undefined); // the failed command says what went wrong
  try {
    await client.connect();
    await use(client);
  } catch (error) {
    throw new Error(`Redis at ${redis.url} (for the Redis-store targets): ${(error as Error).message}; start redis-server or set TOOLGATE_BENCH_REDIS`);
  } finally {
    if (client.isOpen) await client.close();
  }
}

export interface OtlpSink {
  /** The endpoint for `telemetry.otlp.endpoint` (spans go to <endpoint>/v1/traces). */
  endpoint: string;
  /** What it received so far. */
  stats(): Promise<{ exports: number; bytes: number }>;
  stop(): Promise<void>;
}

export async function startOtlpSink(buildRoot: string): Promise<OtlpSink> {
  const sink: Started = startProcess('otlp sink', process.execPath, [join(buildRoot, 'dist', 'bench', 'otlp-sink.js')]);
  let port: string;
  try {
    port = (await waitForLine(sink, /listening (\d+)/))[1];
  } catch (error) {
    await sink.stop();
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    async stats() {
      return (await (await fetch(`${endpoint}/stats`)).json()) as { exports: number; bytes: number };
    },
    stop: () => sink.stop(),
  };
}
