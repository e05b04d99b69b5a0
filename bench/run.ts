#!/usr/bin/env node
/**
 * `npm run bench`: the whole benchmark in one run, so every ratio compares figures from the same
 * minutes on the same machine. Writes results.json, RESULTS.md and chart.svg.
 *
 *   node dist/bench/run.js                 full run (~10 min), writes into bench/
 *   node dist/bench/run.js --quick         < 1 min, small counts, writes into a new temp folder
 *   options: --out DIR  --sessions 1,16,64  --seconds N  --rounds N  --only id,id
 *            --toolgate-cli PATH (another toolgate build under test)
 *            --compare PATH | --compare-commit REV (a second build, interleaved: A/B or before/after)
 *
 * Exits 1 when something could not be measured (a target failed, calls failed); goals that are
 * missed are reported, not treated as failures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { auditSupport } from './audit.js';
import { measureRound, mergeRounds, type CellResult, type Round } from './cells.js';
import { FULL_WARMUP_CALLS, MAX_WARMUP_MS } from './load-client.js';
import { chartSvg } from './chart.js';
import { idleSessions, type IdleSessionResult } from './idle-sessions.js';
import type { PolicyBenchRow } from './policy-bench.js';
import { cpuModel } from './proc-stats.js';
import { startProcess, waitForLine } from './processes.js';
import type { TakeTiming } from './rate-limit-bench.js';
import { benchRedis, checkRedis, dropBenchKeys, startOtlpSink, type OtlpSink } from './services.js';
import { buildHasAudit, buildSnapshot, commitsBetween, isAncestorOfHead, repositoryBuild } from './snapshot.js';
import { progressLine, resultsMarkdown } from './report.js';
import { cellsOfB, compareBuilds, computeRatios, evaluateGoals, type BenchResults, type ConfigLoadRow, type RunMeta } from './results.js';
import type { ConfigLoadResult } from './config-load.js';
import type { LineFramingResult } from './line-framing.js';
import { TARGET_IDS, targets, type RunningTarget, type Target, type TargetContext } from './targets.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HELP = `npm run bench [-- options]

  --quick              small counts, under a minute; measures the repository's dist/ as built
                       (no private build); writes to a new temp folder unless --out
  --out DIR            where results.json, RESULTS.md and chart.svg go (default: bench/)
  --sessions LIST      session counts, default 1,16,64 (quick: 1,16)
  --seconds N          measured seconds per round and cell, default 3 (quick: 0.5)
  --rounds N           rounds per cell, interleaved, default 3 (quick: 1)
  --only LIST          only these targets: ${TARGET_IDS.join(', ')}
  --toolgate-cli PATH  the toolgate under test (default: src/ as committed at HEAD, built
                       privately with this bench/; dist/src/cli/main.js measures the working tree)
  --compare PATH       another toolgate build (its dist/src/cli/main.js): every toolgate target
                       also runs on it, interleaved, and RESULTS.md gets a B ÷ A table
  --compare-commit REV build REV's src/ privately and compare with it as --compare does; when
                       REV is an ancestor of HEAD the table reads before (REV) → after (HEAD)
  --compare-role before|after  what the --compare build is: "after" (default: a change to
                       measure, ratios B ÷ A) or "before" (an older build, ratios A ÷ B)
  --compare-note TEXT  a sentence (Markdown) on what changed between the builds, for RESULTS.md
  --config-schemas N   validate.arguments schemas in the config-load measurement, default 1000
                       (quick: 100)
  --render             measure nothing: rewrite RESULTS.md and chart.svg from the results.json
                       already in --out (default bench/), e.g. after changing report.ts
  --skip-policy, --skip-idle, --skip-config   leave out the policy and rate-limit-take
                       micro-benchmarks / the idle-session probe / the config-load measurement

  The Redis-store cells and the rate-limit take use Redis at 127.0.0.1:6379 (TOOLGATE_BENCH_REDIS
  to change it) under a key prefix of the run's own, removed at the end.`;

/** The goals that come from the load test, which a --compare build also gets. */
const LOAD_GOALS = ['pipe-throughput', 'pipe-latency', 'stdio-throughput', 'load-rss', 'redis-latency', 'redis-throughput'];

/** A mistake in the command line: reported as its message alone, with the help hint. */
class UsageError extends Error {}


interface Settings {
  quick: boolean;
  out: string;
  sessions: number[];
  warmupMs: number;
  warmupCalls: number;
  maxWarmupMs: number;
  durationMs: number;
  rounds: number;
  idleSessions: number;
  /** Target ids to run (without `@b`); undefined: all. */
  only?: string[];
  /** undefined: the private build of HEAD (snapshot.ts). */
  toolgateCli?: string;
  compareCli?: string;
  compareCommit?: string;
  compareRole?: 'before' | 'after';
  compareNote?: string;
  configSchemas: number;
  skipPolicy: boolean;
  skipIdle: boolean;
  skipConfig: boolean;
  render: boolean;
}

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  out: { type: 'string' },
  sessions: { type: 'string' },
  seconds: { type: 'string' },
  rounds: { type: 'string' },
  only: { type: 'string' },
  'toolgate-cli': { type: 'string' },
  compare: { type: 'string' },
  'compare-commit': { type: 'string' },
  'compare-role': { type: 'string' },
  'compare-note': { type: 'string' },
  'config-schemas': { type: 'string' },
  'skip-policy': { type: 'boolean', default: false },
  'skip-idle': { type: 'boolean', default: false },
  'skip-config': { type: 'boolean', default: false },
  render: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function settings(argv: string[]): Settings | undefined {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return undefined;
  }
  const quick = values.quick!;
  const numbers = (text: string, what: string) =>
    text.split(',').map((part) => {
      const n = Number(part.trim());
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be positive whole numbers separated by commas, got "${text}"`);
      return n;
    });
  const seconds = (text: string) => {
    const n = Number(text);
    if (!(n > 0 && n <= 600)) throw new UsageError(`--seconds must be a number of seconds between 0 and 600, got "${text}"`);
    return n;
  };
  const only = values.only?.split(',').map((id) => id.trim());
  const unknown = only?.filter((id) => !(TARGET_IDS as readonly string[]).includes(id));
  if (unknown?.length) throw new UsageError(`--only names unknown targets: ${unknown.join(', ')}; known: ${TARGET_IDS.join(', ')}`);
  if (values.compare !== undefined && values['compare-commit'] !== undefined) throw new UsageError('give --compare PATH or --compare-commit REV, not both');
  const role = values['compare-role'];
  if (role !== undefined && role !== 'before' && role !== 'after') throw new UsageError(`--compare-role is before or after, got "${role}"`);
  if (role !== undefined && values.compare === undefined) throw new UsageError('--compare-role goes with --compare PATH (--compare-commit finds it from the history)');
  const compareCli = values.compare === undefined ? undefined : resolve(values.compare);
  const out = values.out ? resolve(values.out) : quick ? mkdtempSync(join(tmpdir(), 'toolgate-bench-')) : join(REPO_ROOT, 'bench');
  return {
    quick,
    out,
    sessions: numbers(values.sessions ?? (quick ? '1,16' : '1,16,64'), '--sessions'),
    warmupMs: quick ? 250 : 1500,
    warmupCalls: quick ? 0 : FULL_WARMUP_CALLS,
    maxWarmupMs: quick ? 250 : MAX_WARMUP_MS,
    durationMs: seconds(values.seconds ?? (quick ? '0.5' : '3')) * 1000,
    rounds: numbers(values.rounds ?? (quick ? '1' : '3'), '--rounds')[0],
    idleSessions: quick ? 100 : 10_000,
    only,
    toolgateCli: values['toolgate-cli'] === undefined ? undefined : resolve(values['toolgate-cli']),
    compareCli,
    compareCommit: values['compare-commit'],
    compareRole: compareCli === undefined ? undefined : ((role as 'before' | 'after' | undefined) ?? 'after'),
    compareNote: values['compare-note'],
    configSchemas: numbers(values['config-schemas'] ?? (quick ? '100' : '1000'), '--config-schemas')[0],
    skipPolicy: values['skip-policy']!,
    skipIdle: values['skip-idle']!,
    skipConfig: values['skip-config']!,
    render: values.render!,
  };
}

/** A path as RESULTS.md shows it: relative to the repository when inside it. */
function shown(path: string): string {
  const inside = relative(REPO_ROOT, path);
  return inside.startsWith('..') ? path : inside;
}

const RUN_STARTED = performance.now();

/** Progress on stderr, with the seconds since the run started (where a slow run spends its time). */
function log(line: string): void {
  process.stderr.write(`bench: [${Math.round((performance.now() - RUN_STARTED) / 1000)} s] ${line}\n`);
}

async function main(): Promise<number> {
  const s = settings(process.argv.slice(2));
  if (!s) return 0;
  if (s.render) {
    const file = join(s.out, 'results.json');
    if (!existsSync(file)) throw new UsageError(`--render: ${file} does not exist`);
    const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
    // results.json written before these fields existed
    results.compareGoals ??= [];
    results.configLoad ??= [];
    results.rateLimitTakes ??= [];
    results.otlpSink ??= null;
    writeOutputs(s.out, results);
    log(`rewrote ${join(s.out, 'RESULTS.md')} and chart.svg from ${file}`);
    return 0;
  }
  const started = performance.now();
  for (const file of [s.toolgateCli, s.compareCli].filter((f) => f !== undefined)) {
    if (!existsSync(file)) throw new UsageError(`${file} does not exist; give the dist/src/cli/main.js of a built toolgate`);
  }
  mkdirSync(s.out, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'toolgate-bench-work-'));
  // Also when the run is interrupted (Ctrl-C, SIGTERM from a test's timeout) or fails early.
  process.once('exit', () => rmSync(workDir, { recursive: true, force: true }));
  const build = s.quick ? repositoryBuild(REPO_ROOT) : buildSnapshot(REPO_ROOT, join(workDir, 'build'));
  log(s.quick ? `quick: measuring the repository's dist/ (HEAD ${build.commit})` : `built toolgate ${build.commit} (HEAD) in ${build.root}${build.typeErrors.length ? ` despite ${build.typeErrors.length} type error(s), e.g. ${build.typeErrors[0]}` : ''}`);
  const toolgateCli = s.toolgateCli ?? join(build.root, 'dist', 'src', 'cli', 'main.js');
  let compareCli = s.compareCli;
  let compareRole = s.compareRole;
  let compareCommit: string | undefined;
  let compareCommits: string[] | undefined;
  if (s.compareCommit !== undefined) {
    let before;
    try {
      before = buildSnapshot(REPO_ROOT, join(workDir, 'build-b'), s.compareCommit, false);
    } catch (error) {
      rmSync(workDir, { recursive: true, force: true });
      throw new UsageError(`--compare-commit ${s.compareCommit}: ${(error as Error).message.split('\n')[0]}`);
    }
    compareCli = join(before.root, 'dist', 'src', 'cli', 'main.js');
    compareCommit = before.commit;
    compareRole = isAncestorOfHead(REPO_ROOT, before.commit) ? 'before' : 'after';
    log(`built toolgate ${before.commit} (B, ${compareRole === 'before' ? 'before' : 'compared'}) in ${before.root}`);
  }
  if (compareRole === 'before' && compareCommit !== undefined) compareCommits = commitsBetween(REPO_ROOT, compareCommit);
  const sessionsOf = (target: Target) => s.sessions.filter((n) => !target.sessions || target.sessions.includes(n));
  const isRedisTarget = (t: Target) => t.id.startsWith('toolgate-policy-redis');
  let runTargets = targets(compareCli).filter((t) => (!s.only || s.only.includes(t.id.replace(/@b$/, ''))) && sessionsOf(t).length > 0);
  const redis = benchRedis();
  const redisNeeded = !s.skipPolicy || runTargets.some(isRedisTarget);
  let redisUp = false;
  if (redisNeeded) {
    try {
      await checkRedis(redis);
      redisUp = true;
    } catch (error) {
      runTargets = runTargets.filter((t) => !isRedisTarget(t));
      log(`${(error as Error).message}; the Redis-store cells and the rate-limit take are left out`);
    }
  }
  const sink: OtlpSink | undefined = runTargets.some((t) => t.id.startsWith('toolgate-policy-telemetry')) ? await startOtlpSink(build.root) : undefined;
  const upstream = startProcess('http-echo-server', process.execPath, [join(build.root, 'dist', 'bench', 'http-echo-server.js')]);
  const port = (await waitForLine(upstream, /listening (\d+)/))[1];
  const audit = auditSupport(buildHasAudit(toolgateCli));
  const context: TargetContext = {
    repoRoot: REPO_ROOT,
    buildRoot: build.root,
    workDir,
    upstreamUrl: `http://127.0.0.1:${port}/mcp`,
    stdioServer: join(build.root, 'dist', 'bench', 'stdio-echo-server.js'),
    toolgateCli,
    audit,
    redis,
    otlpEndpoint: sink?.endpoint,
  };
  log(`${s.quick ? 'quick' : 'full'} run: ${runTargets.length} targets × sessions ${s.sessions.join('/')} × ${s.rounds} round(s) of ${s.durationMs / 1000} s; output in ${s.out}`);

  const rounds = new Map<string, Round[]>();
  let failed = redisNeeded && !redisUp;
  const total = s.rounds * runTargets.reduce((sum, target) => sum + sessionsOf(target).length, 0);
  let done = 0;
  try {
    const measure = async (target: Target, sessions: number, shared?: RunningTarget) => {
      done += 1;
      try {
        const result = await measureRound(target, sessions, s, context, upstream.pid, shared);
        const key = `${target.id}|${sessions}`;
        rounds.set(key, [...(rounds.get(key) ?? []), result]);
        log(`[${done}/${total}] ${progressLine(mergeRounds(target, sessions, [result]))}`);
      } catch (error) {
        failed = true;
        log(`[${done}/${total}] FAILED: ${(error as Error).message}`);
      }
    };
    for (let round = 0; round < s.rounds; round++) {
      // Odd rounds run the targets in reverse, so no target always runs first or last.
      const order = round % 2 === 0 ? runTargets : [...runTargets].reverse();
      if (s.quick) {
        // A quick run starts each target once for all its session counts: starting a gateway on a
        // busy machine takes longer than measuring it.
        for (const target of order) {
          let shared: RunningTarget;
          try {
            shared = await target.start(context);
          } catch (error) {
            failed = true;
            done += sessionsOf(target).length;
            log(`[${done}/${total}] FAILED: ${target.label} did not start: ${(error as Error).message}`);
            continue;
          }
          try {
            for (const sessions of sessionsOf(target)) await measure(target, sessions, shared);
          } finally {
            await shared.stop();
          }
        }
        continue;
      }
      for (const sessions of s.sessions) {
        for (const target of order) if (sessionsOf(target).includes(sessions)) await measure(target, sessions);
      }
    }
    const cells: CellResult[] = [];
    for (const sessions of s.sessions) {
      for (const target of runTargets) {
        const measured = rounds.get(`${target.id}|${sessions}`);
        if (measured) cells.push(mergeRounds(target, sessions, measured));
      }
    }
    if (cells.some((c) => c.errors > 0 || c.calls === 0)) failed = true;

    let policy: PolicyBenchRow[] = [];
    if (!s.skipPolicy) {
      log('policy decision micro-benchmark (10, 1,000, 10,000 rules)');
      const args = [join(build.root, 'dist', 'bench', 'policy-bench.js'), ...(s.quick ? ['--quick'] : [])];
      policy = JSON.parse(execFileSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' })) as PolicyBenchRow[];
      for (const row of policy) log(`  ${row.rules} rules: realistic rule p99 ${row.echo.p99Micros.toFixed(2)} µs, mix p99 ${row.mixed.p99Micros.toFixed(2)} µs`);
    }

    let rateLimitTakes: TakeTiming[] = [];
    if (!s.skipPolicy && redisUp) {
      log('rate-limit take alone (memory store, Redis store)');
      try {
        const args = [join(build.root, 'dist', 'bench', 'rate-limit-bench.js'), '--redis', redis.url, '--prefix', redis.prefix, ...(s.quick ? ['--quick'] : [])];
        rateLimitTakes = JSON.parse(execFileSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 })) as TakeTiming[];
        for (const row of rateLimitTakes) log(`  ${row.store} store: p50 ${row.p50Micros.toFixed(1)} µs, p99 ${row.p99Micros.toFixed(1)} µs per take`);
      } catch (error) {
        failed = true;
        log(`rate-limit take measurement FAILED: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    const otlpSink = sink ? await sink.stats() : null;
    if (otlpSink) log(`OTLP sink: ${otlpSink.exports} exports, ${(otlpSink.bytes / 1e6).toFixed(1)} MB from the telemetry-on cells`);

    // Not in a quick run: a 32 MB and a 128 MB line are seconds of a loaded machine, for a figure no quick check reads.
    if (!s.skipPolicy && !s.quick) {
      const framing = JSON.parse(execFileSync(process.execPath, [join(build.root, 'dist', 'bench', 'line-framing.js')], { cwd: REPO_ROOT, encoding: 'utf8' })) as LineFramingResult;
      log(`stdio line framing: a 32 MB line in 64 KB chunks ${framing.line32MbMs.toFixed(0)} ms; a 128 MB line cut at 2 KB ${framing.cut128MbMs.toFixed(0)} ms (goal: linear, well under 1 s each)`);
    }

    const configLoad: ConfigLoadRow[] = [];
    if (!s.skipConfig) {
      const builds: Array<[ConfigLoadRow['build'], string, string]> = [['A', toolgateCli, s.toolgateCli === undefined ? build.commit : shown(s.toolgateCli)]];
      if (compareCli !== undefined) builds.push(['B', compareCli, compareCommit ?? shown(compareCli)]);
      log(`config load with ${s.configSchemas.toLocaleString('en-US')} validate.arguments schemas`);
      for (const [which, cli, name] of builds) {
        try {
          const script = join(build.root, 'dist', 'bench', 'config-load.js');
          const output = execFileSync(process.execPath, [script, '--cli', cli, '--schemas', String(s.configSchemas), '--startup-runs', s.quick ? '3' : '10', '--demo', join(REPO_ROOT, 'examples', 'demo.yaml')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
          const row: ConfigLoadRow = { build: which, name, ...(JSON.parse(output) as ConfigLoadResult) };
          configLoad.push(row);
          log(`  ${which} (${name}): load ${row.loadMs.toFixed(0)} ms (${row.loadCpuMs.toFixed(0)} ms CPU), policy compile ${row.compileMs?.toFixed(0) ?? '—'} ms`);
          log(`  ${which} (${name}): CLI start-up, median of ${row.startup.runs}: toolgate --version ${row.startup.versionMs.toFixed(0)} ms, toolgate validate -c examples/demo.yaml ${row.startup.validateDemoMs?.toFixed(0) ?? '—'} ms`);
        } catch (error) {
          failed = true;
          log(`config-load measurement of ${name} FAILED: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }

    let idle: IdleSessionResult | null = null;
    if (!s.skipIdle) {
      log(`memory per idle session (${s.idleSessions.toLocaleString('en-US')} sessions)`);
      try {
        idle = await idleSessions(context, s.idleSessions);
        log(`  ${idle.rssKiBPerSession.toFixed(1)} KiB RSS per session (heap ${idle.heapKiBPerSession.toFixed(2)} KiB), ${idle.failed} failed`);
        if (idle.failed > 0) failed = true;
      } catch (error) {
        failed = true;
        log(`idle-session probe FAILED: ${(error as Error).message}`);
      }
    }

    const ratios = computeRatios(cells, s.sessions);
    const policyCells = cells.filter((c) => c.target === 'toolgate-policy');
    const meta: RunMeta = {
      date: new Date().toISOString(),
      mode: s.quick ? 'quick' : 'full',
      node: process.version,
      cores: availableParallelism(),
      cpuModel: cpuModel(),
      kernel: release(),
      commit: build.commit,
      buildTypeErrors: build.typeErrors.length,
      toolgateCli: s.toolgateCli === undefined ? `src/ at ${build.commit}, built privately` : shown(s.toolgateCli),
      ...(compareCli === undefined ? {} : { compareCli: shown(compareCli), compareRole }),
      ...(compareCommit === undefined ? {} : { compareCommit }),
      ...(compareCommits === undefined ? {} : { compareCommits }),
      ...(s.compareNote === undefined ? {} : { compareNote: s.compareNote }),
      warmupMs: s.warmupMs,
      warmupCalls: s.warmupCalls,
      maxWarmupMs: s.maxWarmupMs,
      durationMs: s.durationMs,
      rounds: s.rounds,
      sessions: s.sessions,
      idleSessions: s.idleSessions,
      audit: { ...audit, bytesWritten: policyCells.length ? Math.max(...policyCells.map((c) => c.dataDirBytes ?? 0)) : null },
      ...(redisUp ? { redisUrl: redis.url.replace(/\/\/[^@/]*@/, '//') } : {}),
      seconds: (performance.now() - started) / 1000,
      // The note is in RESULTS.md already; the command line shows where it went.
      args: process.argv.slice(2).map((arg, i, all) => (i > 0 && all[i - 1] === '--compare-note' ? '…' : arg.startsWith('--compare-note=') ? '--compare-note=…' : arg)),
    };
    const comparisons = compareBuilds(cells);
    // B's load-test goals, from B's cells against the same direct and bridge cells (the policy
    // micro-benchmark and the idle probe run on A only).
    const compareGoals = comparisons.length ? evaluateGoals(computeRatios(cellsOfB(cells), s.sessions), [], null, cellsOfB(cells)).filter((g) => LOAD_GOALS.includes(g.id)) : [];
    const results: BenchResults = { meta, cells, ratios, policy, idle, goals: evaluateGoals(ratios, policy, idle, cells), comparisons, compareGoals, configLoad, rateLimitTakes, otlpSink };
    writeFileSync(join(s.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeOutputs(s.out, results);
    for (const goal of results.goals) log(`goal ${goal.id}: ${goal.measured === null ? 'not measured' : `${goal.measured.toFixed(3)} ${goal.unit}`} (target ${goal.target}) ${goal.pass === null ? '' : goal.pass ? 'PASS' : 'MISS'}`);
    log(`wrote ${join(s.out, 'RESULTS.md')}, results.json and chart.svg in ${Math.round(meta.seconds)} s${failed ? ' — with failures, see above' : ''}`);
  } finally {
    await upstream.stop();
    await sink?.stop();
    if (redisUp) await dropBenchKeys(redis).catch((error: Error) => log(`could not remove the run's Redis keys (${redis.prefix}*): ${error.message}`));
    rmSync(workDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

function writeOutputs(out: string, results: BenchResults): void {
  const { meta } = results;
  writeFileSync(join(out, 'chart.svg'), chartSvg(results.cells, `toolgate benchmark — ${meta.cores} cores, Node ${meta.node}, ${meta.date.slice(0, 10)} (${meta.mode})`));
  writeFileSync(join(out, 'RESULTS.md'), resultsMarkdown(results, 'chart.svg'));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) log(`${error.message} (see --help)`);
    else log(`failed: ${(error as Error)?.stack ?? String(error)}`);
    process.exitCode = 1;
  },
);
