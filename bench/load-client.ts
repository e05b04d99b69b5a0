/**
 * The load generator: S sessions in parallel, each making sequential `tools/call echo` requests,
 * first for a warm-up (not recorded, lets JIT and connection pools settle), then for the measured
 * period. The warm-up lasts `warmupMs` and, with `warmupCalls`, until that many calls were made
 * (at most `maxWarmupMs`): V8 keeps optimizing a large program's functions for thousands of
 * calls, so a warm-up by time alone measures a 1-session target mostly before its JIT settled. The caller snapshots process counters between the phases through `onMeasure`.
 */
import { Agent } from 'node:http';
import { McpHttpSession } from './mcp-http-client.js';

/**
 * A full run warms each cell up for 1.5 s and at least this many calls (at most MAX_WARMUP_MS):
 * under `--trace-opt`, toolgate at 1 session still optimized ~220 functions in the 4 s after a
 * 1.5 s warm-up, and 2 after 20 s. A gateway runs for days; its JIT warm-up is not a per-call cost.
 */
export const FULL_WARMUP_CALLS = 15_000;
export const MAX_WARMUP_MS = 15_000;

export interface LoadOptions {
  url: string;
  sessions: number;
  warmupMs: number;
  /** Calls the warm-up makes at least (all sessions together), unless `maxWarmupMs` passes first. */
  warmupCalls?: number;
  maxWarmupMs?: number;
  durationMs: number;
  /** Called right before and right after the measured phase (e.g. to read /proc counters). */
  onMeasure?: (phase: 'start' | 'end') => void;
}

export interface LoadResult {
  sessions: number;
  calls: number;
  errors: number;
  /** Wall time of the measured phase: from its start until the last call in flight finished. */
  elapsedMs: number;
  /** One entry per successful call of the measured phase, in milliseconds, unsorted. */
  latenciesMs: Float64Array;
  /** CPU the load client itself used during the measured phase, µs (it shares the cores). */
  clientCpuMicros: number;
  firstError?: string;
  /** Time to open every session (initialize, initialized, tools/list), ms. */
  openMs: number;
}

/** A growable array of latencies, so millions of samples cost no per-sample allocation. */
class Samples {
  #data = new Float64Array(1 << 14);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }

  take(): Float64Array {
    return this.#data.slice(0, this.#length);
  }
}

const TEXT = 'The quick brown fox jumps over the lazy dog';

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 60_000 });
  const sessions = Array.from({ length: options.sessions }, () => new McpHttpSession(options.url, agent));
  try {
    const openStarted = performance.now();
    await Promise.all(sessions.map((session) => session.open()));
    const openMs = performance.now() - openStarted;

    const warm = { calls: 0, errors: 0, firstError: undefined as string | undefined };
    const warmStarted = performance.now();
    const warming = () => {
      const elapsed = performance.now() - warmStarted;
      return elapsed < options.warmupMs || (warm.calls < (options.warmupCalls ?? 0) && elapsed < (options.maxWarmupMs ?? options.warmupMs));
    };
    await Promise.all(sessions.map((session, i) => loop(session, i, warming, warm, undefined)));
    if (warm.calls === 0 && warm.errors > 0) throw new Error(`every warm-up call failed; first error: ${warm.firstError}`);

    const samples = new Samples();
    const measured = { calls: 0, errors: 0, firstError: warm.firstError };
    options.onMeasure?.('start');
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const endAt = started + options.durationMs;
    await Promise.all(sessions.map((session, i) => loop(session, i, () => performance.now() < endAt, measured, samples)));
    const elapsedMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    options.onMeasure?.('end');
    return {
      sessions: options.sessions,
      calls: measured.calls,
      errors: measured.errors + warm.errors,
      elapsedMs,
      latenciesMs: samples.take(),
      clientCpuMicros: cpu.user + cpu.system,
      firstError: measured.firstError,
      openMs,
    };
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
    agent.destroy();
  }
}

interface Tally {
  calls: number;
  errors: number;
  firstError?: string;
}

/** Up to this many failed calls in a row end a session's loop: a broken target must not spin. */
const MAX_CONSECUTIVE_ERRORS = 20;

async function loop(session: McpHttpSession, index: number, going: () => boolean, tally: Tally, samples: Samples | undefined): Promise<void> {
  const text = `${TEXT} #${index}`;
  let failures = 0;
  while (going()) {
    const t0 = performance.now();
    try {
      await session.echo(text);
    } catch (error) {
      tally.errors += 1;
      tally.firstError ??= (error as Error).message;
      if (++failures >= MAX_CONSECUTIVE_ERRORS) return;
      continue;
    }
    failures = 0;
    const ms = performance.now() - t0;
    tally.calls += 1;
    samples?.push(ms);
  }
}

/**
 * Opens `count` sessions with `initialize` only and keeps them (no DELETE): the idle-session
 * memory probe. At most `parallel` initializations are in flight, so the gateway's steady-state
 * session cost is measured rather than a burst of sockets.
 */
export async function openIdleSessions(url: string, count: number, parallel: number): Promise<{ opened: number; failed: number; firstError?: string; agent: Agent }> {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel });
  let next = 0;
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < count) {
      next += 1;
      try {
        await new McpHttpSession(url, agent).open(true);
        opened += 1;
      } catch (error) {
        failed += 1;
        firstError ??= (error as Error).message;
        if (failed > 20 && opened === 0) return;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { opened, failed, firstError, agent };
}
