/**
 * One cell of the results table: a target at a session count. A cell may be measured in several
 * rounds (interleaved with the other targets, so slow drifts of a noisy machine hit all of them
 * alike); its rounds are merged by adding calls, time and CPU and pooling the latency samples.
 */
import { dataDirBytes } from './audit.js';
import { runLoad, type LoadResult } from './load-client.js';
import { cpuMicros, cpuMicrosOf, descendants, machineCpuMicros, memory } from './proc-stats.js';
import type { RunningTarget, Target, TargetContext } from './targets.js';

export interface Timing {
  warmupMs: number;
  /** The warm-up goes on until this many calls were made, for at most `maxWarmupMs` (see load-client.ts). */
  warmupCalls: number;
  maxWarmupMs: number;
  durationMs: number;
}

/** The raw counts of one round, kept so that rounds can be merged exactly. */
export interface Round {
  calls: number;
  errors: number;
  elapsedMs: number;
  latenciesMs: Float64Array;
  clientCpuMicros: number;
  /** CPU of the proxy process during the measured phase; undefined for the direct run. */
  proxyCpuMicros?: number;
  proxyPeakRssKiB?: number;
  /** CPU of the HTTP echo upstream during the measured phase (HTTP targets only). */
  upstreamCpuMicros?: number;
  /** CPU of the proxy's child processes (the stdio servers) during the measured phase. */
  childrenCpuMicros?: number;
  /** CPU the whole machine spent during the measured phase on anything but this benchmark, µs. */
  otherCpuMicros: number;
  openMs: number;
  /** Bytes toolgate wrote under its data_dir by the end of the round (the audit trail). */
  dataDirBytes?: number;
  firstError?: string;
}

export interface CellResult {
  target: string;
  label: string;
  upstream: 'http' | 'stdio';
  sessions: number;
  rounds: number;
  calls: number;
  errors: number;
  callsPerSecond: number;
  /** calls/s and p50 of each round, in round order, to show how much the rounds disagree. */
  roundCallsPerSecond: number[];
  roundP50Ms: number[];
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** Gateway (proxy process) CPU per call, µs; null for the direct run. */
  proxyCpuMicrosPerCall: number | null;
  /** Highest VmHWM of the proxy process over the rounds, MiB; null for the direct run. */
  proxyPeakRssMiB: number | null;
  upstreamCpuMicrosPerCall: number | null;
  /** The stdio servers behind a proxy, µs per call; null when the proxy has no children. */
  childrenCpuMicrosPerCall: number | null;
  clientCpuMicrosPerCall: number;
  /**
   * Cores busy with other work (other processes on the machine) during the measured periods, on
   * average. Above ~0.2 on a 2-core machine the cell's calls/s is disturbed.
   */
  otherLoadCores: number;
  /** Slowest time to open all sessions, ms (for stdio: includes starting the child processes). */
  openMs: number;
  /** Largest data_dir of the rounds, bytes (the audit trail); null for other proxies. */
  dataDirBytes: number | null;
  firstError?: string;
}

/**
 * One round of a cell on a fresh process of the target; with `shared`, on that already running
 * process, which the caller stops (a quick run measures every session count on one process).
 */
export async function measureRound(target: Target, sessions: number, timing: Timing, context: TargetContext, upstreamPid: number, shared?: RunningTarget): Promise<Round> {
  const running = shared ?? (await target.start(context));
  const stop = () => (shared ? Promise.resolve() : running.stop());
  const proxyPid = running.proxy?.pid;
  let proxyCpu = 0;
  let upstreamCpu = 0;
  let childrenCpu = 0;
  let children: number[] = [];
  let machineBusy = 0;
  let load: LoadResult;
  try {
    load = await runLoad({
      url: running.url,
      sessions,
      warmupMs: timing.warmupMs,
      warmupCalls: timing.warmupCalls,
      maxWarmupMs: timing.maxWarmupMs,
      durationMs: timing.durationMs,
      onMeasure(phase) {
        const sign = phase === 'start' ? -1 : 1;
        if (proxyPid !== undefined) {
          proxyCpu += sign * cpuMicros(proxyPid);
          // Sessions are open and their children started before the measured phase begins.
          if (phase === 'start') children = descendants(proxyPid);
          childrenCpu += sign * cpuMicrosOf(children);
        }
        if (target.upstream === 'http') upstreamCpu += sign * cpuMicros(upstreamPid);
        machineBusy += sign * machineCpuMicros().busy;
      },
    });
  } catch (error) {
    const output = running.proxy ? `\n${running.proxy.name} output:\n${running.proxy.output()}` : '';
    await stop();
    throw new Error(`${target.label}, ${sessions} session(s): ${(error as Error).message}${output}`);
  }
  const peak = proxyPid === undefined ? undefined : memory(proxyPid).hwmKiB;
  await stop();
  const written = running.dataDir === undefined ? undefined : dataDirBytes(running.dataDir);
  const ours = proxyCpu + childrenCpu + upstreamCpu + load.clientCpuMicros;
  return {
    calls: load.calls,
    errors: load.errors,
    elapsedMs: load.elapsedMs,
    latenciesMs: load.latenciesMs,
    clientCpuMicros: load.clientCpuMicros,
    proxyCpuMicros: proxyPid === undefined ? undefined : proxyCpu,
    proxyPeakRssKiB: peak,
    upstreamCpuMicros: target.upstream === 'http' ? upstreamCpu : undefined,
    childrenCpuMicros: children.length > 0 ? childrenCpu : undefined,
    otherCpuMicros: Math.max(0, machineBusy - ours),
    openMs: load.openMs,
    dataDirBytes: written,
    firstError: load.firstError,
  };
}

export function mergeRounds(target: Target, sessions: number, rounds: Round[]): CellResult {
  const calls = sum(rounds, (r) => r.calls);
  const elapsedMs = sum(rounds, (r) => r.elapsedMs);
  const latencies = new Float64Array(sum(rounds, (r) => r.latenciesMs.length));
  let offset = 0;
  for (const round of rounds) {
    latencies.set(round.latenciesMs, offset);
    offset += round.latenciesMs.length;
  }
  latencies.sort();
  const perCall = (pick: (r: Round) => number | undefined) =>
    rounds.every((r) => pick(r) !== undefined) && calls > 0 ? sum(rounds, (r) => pick(r)!) / calls : null;
  const peaks = rounds.map((r) => r.proxyPeakRssKiB).filter((v): v is number => v !== undefined);
  return {
    target: target.id,
    label: target.label,
    upstream: target.upstream,
    sessions,
    rounds: rounds.length,
    calls,
    errors: sum(rounds, (r) => r.errors),
    callsPerSecond: elapsedMs > 0 ? (calls * 1000) / elapsedMs : 0,
    roundCallsPerSecond: rounds.map((r) => (r.elapsedMs > 0 ? (r.calls * 1000) / r.elapsedMs : 0)),
    roundP50Ms: rounds.map((r) => percentile(Float64Array.from(r.latenciesMs).sort(), 0.5)),
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      mean: latencies.length ? sum(latencies, (v) => v) / latencies.length : NaN,
      max: latencies.length ? latencies[latencies.length - 1] : NaN,
    },
    proxyCpuMicrosPerCall: perCall((r) => r.proxyCpuMicros),
    proxyPeakRssMiB: peaks.length ? Math.max(...peaks) / 1024 : null,
    upstreamCpuMicrosPerCall: perCall((r) => r.upstreamCpuMicros),
    childrenCpuMicrosPerCall: perCall((r) => r.childrenCpuMicros),
    clientCpuMicrosPerCall: perCall((r) => r.clientCpuMicros) ?? 0,
    otherLoadCores: elapsedMs > 0 ? sum(rounds, (r) => r.otherCpuMicros) / 1000 / elapsedMs : 0,
    openMs: Math.max(...rounds.map((r) => r.openMs)),
    dataDirBytes: rounds.some((r) => r.dataDirBytes !== undefined) ? Math.max(...rounds.map((r) => r.dataDirBytes ?? 0)) : null,
    firstError: rounds.find((r) => r.firstError)?.firstError,
  };
}

/** Nearest-rank percentile of sorted samples; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function sum<T>(items: Iterable<T>, pick: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += pick(item);
  return total;
}
