/**
 * The shape of results.json, and the ratios and goals derived from the cells. Every ratio divides
 * two figures measured in the same run (interleaved rounds on the same machine), never a figure
 * from another day.
 */
import type { AuditSupport } from './audit.js';
import type { CellResult } from './cells.js';
import type { ConfigLoadResult } from './config-load.js';
import type { IdleSessionResult } from './idle-sessions.js';
import type { PolicyBenchRow } from './policy-bench.js';
import type { TakeTiming } from './rate-limit-bench.js';
import type { TargetId } from './targets.js';

export interface RunMeta {
  date: string;
  mode: 'full' | 'quick';
  node: string;
  cores: number;
  cpuModel: string;
  kernel: string;
  /** The commit whose src/ was measured (built privately at the start of the run). */
  commit: string;
  /** Type errors tsc reported building it (it emits anyway). */
  buildTypeErrors: number;
  toolgateCli: string;
  /** The B build of an A/B run (`--compare`, or `--compare-commit`'s private build). */
  compareCli?: string;
  /** The commit B was built from, with `--compare-commit`. */
  compareCommit?: string;
  /**
   * How B relates to A: `before` (an older build, e.g. `--compare-commit` of an ancestor of
   * HEAD; figures read B → A and ratios are A ÷ B) or `after` (B is a change to A; B ÷ A).
   */
  compareRole?: 'before' | 'after';
  /** With a `before` build: the commits between it and HEAD that touch src/, newest first. */
  compareCommits?: string[];
  /** `--compare-note`: what changed between the builds, in the words of whoever ran it. */
  compareNote?: string;
  warmupMs: number;
  /** Absent in results of runs before the warm-up counted calls. */
  warmupCalls?: number;
  maxWarmupMs?: number;
  durationMs: number;
  rounds: number;
  sessions: number[];
  idleSessions: number;
  audit: AuditSupport & { bytesWritten: number | null };
  /** The Redis of the Redis-store cells and the rate-limit take (without credentials); absent when not used. */
  redisUrl?: string;
  seconds: number;
  /** The command line options of the run (after `npm run bench --`). */
  args?: string[];
}

export interface Ratios {
  sessions: number;
  allowVsDirect: number | null;
  policyVsDirect: number | null;
  /** The byte pipe (bench/byte-pipe.ts): what any Node proxy costs, against direct. */
  pipeVsDirect: number | null;
  allowVsPipe: number | null;
  policyVsPipe: number | null;
  addedP50PipeMs: number | null;
  addedP50AllowMs: number | null;
  addedP50PolicyMs: number | null;
  stdioVsSupergateway: number | null;
  stdioVsMcpProxy: number | null;
  stdioVsFasterBridge: number | null;
  sharedStdioVsFasterBridge: number | null;
  /** The realistic policy on the Redis store ÷ on the memory store (calls/s), and its p50 minus the memory store's. */
  redisVsMemory: number | null;
  addedP50RedisMs: number | null;
  /** The realistic policy with telemetry on ÷ off (calls/s), and its p50 minus the p50 with it off. */
  telemetryOnVsOff: number | null;
  addedP50TelemetryMs: number | null;
  /** The goal ratios computed round by round (each round's targets ran within a minute of each other). */
  perRound: {
    policyVsDirect: number[];
    policyVsPipe: number[];
    addedP50PolicyOverPipeMs: number[];
    stdioVsFasterBridge: number[];
    redisVsMemory: number[];
    addedP50RedisMs: number[];
    telemetryOnVsOff: number[];
    addedP50TelemetryMs: number[];
  };
}

export interface Goal {
  id: string;
  text: string;
  target: string;
  measured: number | null;
  unit: string;
  /** null when the run did not measure what the goal needs (e.g. --sessions without 16). */
  pass: boolean | null;
  /** The same figure round by round, when it comes from the load test. */
  perRound?: number[];
}

export interface BenchResults {
  meta: RunMeta;
  cells: CellResult[];
  ratios: Ratios[];
  policy: PolicyBenchRow[];
  idle: IdleSessionResult | null;
  goals: Goal[];
  /** B ÷ A for every toolgate target and session count of an A/B run; empty otherwise. */
  comparisons: Comparison[];
  /** The load-test goals computed for build B (its cells against the same direct and bridge cells); empty without B. */
  compareGoals: Goal[];
  /** Config load with many `validate.arguments` schemas, per build (A first, then B); empty when skipped. */
  configLoad: ConfigLoadRow[];
  /** One rate-limit take alone, memory store then Redis store; empty when skipped. */
  rateLimitTakes: TakeTiming[];
  /** What the OTLP sink received from the telemetry-on cells; null when they did not run. */
  otlpSink: { exports: number; bytes: number } | null;
}

export interface ConfigLoadRow extends ConfigLoadResult {
  build: 'A' | 'B';
  /** Which build: its commit, or the CLI path given. */
  name: string;
}

export interface Comparison {
  target: TargetId;
  label: string;
  sessions: number;
  /** calls/s of B ÷ calls/s of A, pooled and round by round. */
  throughput: number | null;
  throughputPerRound: number[];
  /** Gateway CPU per call, A and B, µs. */
  cpuA: number | null;
  cpuB: number | null;
  p50A: number;
  p50B: number;
  callsPerSecondA: number;
  callsPerSecondB: number;
  p99A: number;
  p99B: number;
  /** Gateway peak RSS (VmHWM), MiB. */
  rssA: number | null;
  rssB: number | null;
  /** Other load on the machine during each, cores. */
  otherLoadA: number;
  otherLoadB: number;
}

export function compareBuilds(cells: CellResult[]): Comparison[] {
  const out: Comparison[] = [];
  for (const b of cells.filter((c) => c.target.endsWith('@b'))) {
    const a = cells.find((c) => c.target === b.target.slice(0, -2) && c.sessions === b.sessions);
    if (!a) continue;
    out.push({
      target: a.target as TargetId,
      label: a.label,
      sessions: a.sessions,
      throughput: ratio(b.callsPerSecond, a.callsPerSecond),
      throughputPerRound: zip(b.roundCallsPerSecond, a.roundCallsPerSecond, (x, y) => x / y),
      cpuA: a.proxyCpuMicrosPerCall,
      cpuB: b.proxyCpuMicrosPerCall,
      p50A: a.latencyMs.p50,
      p50B: b.latencyMs.p50,
      callsPerSecondA: a.callsPerSecond,
      callsPerSecondB: b.callsPerSecond,
      p99A: a.latencyMs.p99,
      p99B: b.latencyMs.p99,
      rssA: a.proxyPeakRssMiB,
      rssB: b.proxyPeakRssMiB,
      otherLoadA: a.otherLoadCores,
      otherLoadB: b.otherLoadCores,
    });
  }
  return out;
}

/**
 * The cells as build B sees them: B's toolgate cells under A's ids, with the same direct and
 * bridge cells, so computeRatios() and evaluateGoals() give B's goals from the same run.
 */
export function cellsOfB(cells: CellResult[]): CellResult[] {
  const b = cells.filter((c) => c.target.endsWith('@b'));
  const replaced = new Set(b.map((c) => `${c.target.slice(0, -2)}|${c.sessions}`));
  return [
    ...cells.filter((c) => !c.target.endsWith('@b') && !replaced.has(`${c.target}|${c.sessions}`)),
    ...b.map((c) => ({ ...c, target: c.target.slice(0, -2) })),
  ];
}

export function cellOf(cells: CellResult[], target: TargetId, sessions: number): CellResult | undefined {
  return cells.find((c) => c.target === target && c.sessions === sessions);
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || !(b > 0) ? null : a / b;
}

function difference(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) ? null : a - b;
}

export function computeRatios(cells: CellResult[], sessionCounts: number[]): Ratios[] {
  return sessionCounts.map((sessions) => {
    const cps = (target: TargetId) => cellOf(cells, target, sessions)?.callsPerSecond;
    const p50 = (target: TargetId) => cellOf(cells, target, sessions)?.latencyMs.p50;
    const bridges = [cps('supergateway-stdio'), cps('mcp-proxy-stdio')].filter((v): v is number => v !== undefined);
    const faster = bridges.length ? Math.max(...bridges) : undefined;
    const round = (target: TargetId) => cellOf(cells, target, sessions)?.roundCallsPerSecond ?? [];
    const roundP50 = (target: TargetId) => cellOf(cells, target, sessions)?.roundP50Ms ?? [];
    const perRound = {
      policyVsDirect: zip(round('toolgate-policy'), round('direct'), (a, b) => a / b),
      policyVsPipe: zip(round('toolgate-policy'), round('byte-pipe'), (a, b) => a / b),
      addedP50PolicyOverPipeMs: zip(roundP50('toolgate-policy'), roundP50('byte-pipe'), (a, b) => a - b),
      stdioVsFasterBridge: zip(round('toolgate-stdio'), zip(round('supergateway-stdio'), round('mcp-proxy-stdio'), Math.max), (a, b) => a / b),
      redisVsMemory: zip(round('toolgate-policy-redis'), round('toolgate-policy'), (a, b) => a / b),
      addedP50RedisMs: zip(roundP50('toolgate-policy-redis'), roundP50('toolgate-policy'), (a, b) => a - b),
      telemetryOnVsOff: zip(round('toolgate-policy-telemetry'), round('toolgate-policy'), (a, b) => a / b),
      addedP50TelemetryMs: zip(roundP50('toolgate-policy-telemetry'), roundP50('toolgate-policy'), (a, b) => a - b),
    };
    return {
      sessions,
      perRound,
      allowVsDirect: ratio(cps('toolgate-allow'), cps('direct')),
      policyVsDirect: ratio(cps('toolgate-policy'), cps('direct')),
      pipeVsDirect: ratio(cps('byte-pipe'), cps('direct')),
      allowVsPipe: ratio(cps('toolgate-allow'), cps('byte-pipe')),
      policyVsPipe: ratio(cps('toolgate-policy'), cps('byte-pipe')),
      addedP50PipeMs: difference(p50('byte-pipe'), p50('direct')),
      addedP50AllowMs: difference(p50('toolgate-allow'), p50('direct')),
      addedP50PolicyMs: difference(p50('toolgate-policy'), p50('direct')),
      stdioVsSupergateway: ratio(cps('toolgate-stdio'), cps('supergateway-stdio')),
      stdioVsMcpProxy: ratio(cps('toolgate-stdio'), cps('mcp-proxy-stdio')),
      stdioVsFasterBridge: ratio(cps('toolgate-stdio'), faster),
      sharedStdioVsFasterBridge: ratio(cps('toolgate-stdio-shared'), faster),
      redisVsMemory: ratio(cps('toolgate-policy-redis'), cps('toolgate-policy')),
      addedP50RedisMs: difference(p50('toolgate-policy-redis'), p50('toolgate-policy')),
      telemetryOnVsOff: ratio(cps('toolgate-policy-telemetry'), cps('toolgate-policy')),
      addedP50TelemetryMs: difference(p50('toolgate-policy-telemetry'), p50('toolgate-policy')),
    };
  });
}

/**
 * How long a call at p50 waits beyond the CPU spent on it (client, proxy, upstream; µs). On a
 * quiet machine this is scheduling and loopback latency; a per-call timer or Nagle's algorithm
 * adds tens of milliseconds here without moving any CPU figure.
 */
export function waitMicros(cell: CellResult): number {
  const cpu = cell.clientCpuMicrosPerCall + (cell.proxyCpuMicrosPerCall ?? 0) + (cell.upstreamCpuMicrosPerCall ?? 0);
  return cell.latencyMs.p50 * 1000 - cpu;
}

function zip(a: number[], b: number[], f: (x: number, y: number) => number): number[] {
  return a.length === b.length ? a.map((x, i) => f(x, b[i])) : [];
}

export function evaluateGoals(ratios: Ratios[], policy: PolicyBenchRow[], idle: IdleSessionResult | null, cells: CellResult[] = []): Goal[] {
  const at = (sessions: number) => ratios.find((r) => r.sessions === sessions);
  const biggest = policy.find((row) => row.rules === 10_000);
  const decisionP99 = biggest ? Math.max(biggest.echo.p99Micros, biggest.mixed.p99Micros) : null;
  const goal = (id: string, text: string, target: string, measured: number | null, unit: string, ok: (v: number) => boolean, perRound?: number[]): Goal => ({
    id,
    text,
    target,
    measured,
    unit,
    pass: measured === null ? null : ok(measured),
    ...(perRound && perRound.length > 1 ? { perRound } : {}),
  });
  const one = at(1);
  const overPipe = one && one.addedP50PolicyMs !== null && one.addedP50PipeMs !== null ? one.addedP50PolicyMs - one.addedP50PipeMs : null;
  const pipe1 = cells.find((c) => c.target === 'byte-pipe' && c.sessions === 1);
  const policy1 = cells.find((c) => c.target === 'toolgate-policy' && c.sessions === 1);
  const extraWait = pipe1 && policy1 && pipe1.proxyCpuMicrosPerCall !== null && policy1.proxyCpuMicrosPerCall !== null ? (waitMicros(policy1) - waitMicros(pipe1)) / 1000 : null;
  const peaks64 = cells.filter((c) => c.sessions === 64 && c.target.startsWith('toolgate-') && !c.target.endsWith('@b')).map((c) => c.proxyPeakRssMiB);
  const rss64 = peaks64.length > 0 && peaks64.every((v) => v !== null) ? Math.max(...(peaks64 as number[])) : null;
  return [
    goal('pipe-throughput', 'Realistic policy (rate limit, validate, audit) at 16 sessions, calls/s relative to the byte pipe', '≥ 0.9×', at(16)?.policyVsPipe ?? null, '×', (v) => v >= 0.9, at(16)?.perRound.policyVsPipe),
    goal('pipe-latency', "Added p50 at 1 session beyond the byte pipe's (realistic policy − byte pipe)", '≤ 0.1 ms', overPipe, 'ms', (v) => v <= 0.1, one?.perRound.addedP50PolicyOverPipeMs),
    goal('no-wait', "Waiting per call at 1 session beyond the byte pipe's (p50 − CPU per call of client, proxy and upstream)", '≤ 10 ms', extraWait, 'ms', (v) => v <= 10),
    goal('stdio-throughput', 'Fronting stdio at 16 sessions, calls/s relative to the faster of supergateway and mcp-proxy', '≥ 2×', at(16)?.stdioVsFasterBridge ?? null, '×', (v) => v >= 2, at(16)?.perRound.stdioVsFasterBridge),
    goal('decision-p99', 'Policy decision p99 at 10,000 rules (worse of the realistic rule and the 100-tool mix)', '≤ 5 µs', decisionP99, 'µs', (v) => v <= 5),
    goal('idle-session', 'Gateway memory per idle session (RSS delta between collected heaps)', '≤ 50 KiB', idle && idle.sessions > 0 ? idle.rssKiBPerSession : null, 'KiB', (v) => v <= 50),
    goal('load-rss', 'Gateway peak RSS under the 64-session load (largest toolgate cell)', '≤ 150 MiB', rss64, 'MiB', (v) => v <= 150),
    goal('redis-latency', 'Realistic policy on the Redis store (state.redis): added p50 at 1 session over the memory store', '≤ 0.3 ms', one?.addedP50RedisMs ?? null, 'ms', (v) => v <= 0.3, one?.perRound.addedP50RedisMs),
    goal('redis-throughput', 'Realistic policy on the Redis store at 16 sessions, calls/s relative to the memory store', '≥ 0.85×', at(16)?.redisVsMemory ?? null, '×', (v) => v >= 0.85, at(16)?.perRound.redisVsMemory),
  ];
}
