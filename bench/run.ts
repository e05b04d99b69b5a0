#!/usr/bin/env node
/**
 * `npm run bench`: the whole benchmark in one run, so every ratio compares figures from the same
 * minutes on the same machine. Writes results.json, RESULTS.md and chart.svg.
 *
 *   node dist/bench/run.js                 full run (~9 min), writes into bench/
 *   node dist/bench/run.js --quick         < 1 min, small counts, writes into a new temp folder
 *   options: --out DIR  --sessions 1,16,64  --seconds N  --rounds N  --only id,id
 *            --toolgate-cli PATH (another toolgate build, for A/B comparisons)
 *
 * Exits 1 when something could not be measured (a target failed, calls failed); goals that are
 * missed are reported, not treated as failures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { auditSupport } from './audit.js';
import { measureRound, mergeRounds, type CellResult, type Round } from './cells.js';
import { chartSvg } from './chart.js';
import { idleSessions, type IdleSessionResult } from './idle-sessions.js';
import type { PolicyBenchRow } from './policy-bench.js';
import { cpuModel } from './proc-stats.js';
import { startProcess, waitForLine } from './processes.js';
import { buildHasAudit, buildSnapshot } from './snapshot.js';
import { progressLine, resultsMarkdown } from './report.js';
import { compareBuilds, computeRatios, evaluateGoals, type BenchResults, type RunMeta } from './results.js';
import { TARGET_IDS, targets, type Target, type TargetContext } from './targets.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HELP = `npm run bench [-- options]

  --quick              small counts, under a minute; writes to a new temp folder unless --out
  --out DIR            where results.json, RESULTS.md and chart.svg go (default: bench/)
  --sessions LIST      session counts, default 1,16,64 (quick: 1,16)
  --seconds N          measured seconds per round and cell, default 3 (quick: 0.8)
  --rounds N           rounds per cell, interleaved, default 3 (quick: 1)
  --only LIST          only these targets: ${TARGET_IDS.join(', ')}
  --toolgate-cli PATH  the toolgate under test (default: src/ as committed at HEAD, built
                       privately with this bench/; dist/src/cli/main.js measures the working tree)
  --compare PATH       another toolgate build (its dist/src/cli/main.js): every toolgate target
                       also runs on it, interleaved, and RESULTS.md gets a B ÷ A table
  --skip-policy, --skip-idle   leave out the policy micro-benchmark / the idle-session probe`;

/** A mistake in the command line: reported as its message alone, with the help hint. */
class UsageError extends Error {}

interface Settings {
  quick: boolean;
  out: string;
  sessions: number[];
  warmupMs: number;
  durationMs: number;
  rounds: number;
  idleSessions: number;
  targets: Target[];
  /** undefined: the private build of HEAD (snapshot.ts). */
  toolgateCli?: string;
  compareCli?: string;
  skipPolicy: boolean;
  skipIdle: boolean;
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
  'skip-policy': { type: 'boolean', default: false },
  'skip-idle': { type: 'boolean', default: false },
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
  const compareCli = values.compare === undefined ? undefined : resolve(values.compare);
  const out = values.out ? resolve(values.out) : quick ? mkdtempSync(join(tmpdir(), 'toolgate-bench-')) : join(REPO_ROOT, 'bench');
  return {
    quick,
    out,
    sessions: numbers(values.sessions ?? (quick ? '1,16' : '1,16,64'), '--sessions'),
    warmupMs: quick ? 250 : 1500,
    durationMs: seconds(values.seconds ?? (quick ? '0.8' : '3')) * 1000,
    rounds: numbers(values.rounds ?? (quick ? '1' : '3'), '--rounds')[0],
    idleSessions: quick ? 500 : 10_000,
    targets: targets(compareCli).filter((t) => !only || only.includes(t.id.replace(/@b$/, ''))),
    toolgateCli: values['toolgate-cli'] === undefined ? undefined : resolve(values['toolgate-cli']),
    compareCli,
    skipPolicy: values['skip-policy']!,
    skipIdle: values['skip-idle']!,
  };
}

/** A path as RESULTS.md shows it: relative to the repository when inside it. */
function shown(path: string): string {
  const inside = relative(REPO_ROOT, path);
  return inside.startsWith('..') ? path : inside;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function main(): Promise<number> {
  const s = settings(process.argv.slice(2));
  if (!s) return 0;
  const started = performance.now();
  for (const file of [s.toolgateCli, s.compareCli].filter((f) => f !== undefined)) {
    if (!existsSync(file)) throw new UsageError(`${file} does not exist; give the dist/src/cli/main.js of a built toolgate`);
  }
  mkdirSync(s.out, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'toolgate-bench-work-'));
  const build = buildSnapshot(REPO_ROOT, join(workDir, 'build'));
  log(`built toolgate ${build.commit} (HEAD) in ${build.root}${build.typeErrors.length ? ` despite ${build.typeErrors.length} type error(s), e.g. ${build.typeErrors[0]}` : ''}`);
  const toolgateCli = s.toolgateCli ?? join(build.root, 'dist', 'src', 'cli', 'main.js');
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
  };
  log(`${s.quick ? 'quick' : 'full'} run: ${s.targets.length} targets × sessions ${s.sessions.join('/')} × ${s.rounds} round(s) of ${s.durationMs / 1000} s; output in ${s.out}`);

  const rounds = new Map<string, Round[]>();
  let failed = false;
  const total = s.rounds * s.sessions.length * s.targets.length;
  let done = 0;
  try {
    for (let round = 0; round < s.rounds; round++) {
      for (const sessions of s.sessions) {
        // Odd rounds run the targets in reverse, so no target always runs first or last.
        const order = round % 2 === 0 ? s.targets : [...s.targets].reverse();
        for (const target of order) {
          done += 1;
          try {
            const result = await measureRound(target, sessions, s, context, upstream.pid);
            const key = `${target.id}|${sessions}`;
            rounds.set(key, [...(rounds.get(key) ?? []), result]);
            log(`[${done}/${total}] ${progressLine(mergeRounds(target, sessions, [result]))}`);
          } catch (error) {
            failed = true;
            log(`[${done}/${total}] FAILED: ${(error as Error).message}`);
          }
        }
      }
    }
    const cells: CellResult[] = [];
    for (const sessions of s.sessions) {
      for (const target of s.targets) {
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
      ...(s.compareCli === undefined ? {} : { compareCli: shown(s.compareCli) }),
      warmupMs: s.warmupMs,
      durationMs: s.durationMs,
      rounds: s.rounds,
      sessions: s.sessions,
      idleSessions: s.idleSessions,
      audit: { ...audit, bytesWritten: policyCells.length ? Math.max(...policyCells.map((c) => c.dataDirBytes ?? 0)) : null },
      seconds: (performance.now() - started) / 1000,
    };
    const results: BenchResults = { meta, cells, ratios, policy, idle, goals: evaluateGoals(ratios, policy, idle), comparisons: compareBuilds(cells) };
    writeFileSync(join(s.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(s.out, 'chart.svg'), chartSvg(cells, `toolgate benchmark — ${meta.cores} cores, Node ${meta.node}, ${meta.date.slice(0, 10)} (${meta.mode})`));
    writeFileSync(join(s.out, 'RESULTS.md'), resultsMarkdown(results, 'chart.svg'));
    for (const goal of results.goals) log(`goal ${goal.id}: ${goal.measured === null ? 'not measured' : `${goal.measured.toFixed(3)} ${goal.unit}`} (target ${goal.target}) ${goal.pass === null ? '' : goal.pass ? 'PASS' : 'MISS'}`);
    log(`wrote ${join(s.out, 'RESULTS.md')}, results.json and chart.svg in ${Math.round(meta.seconds)} s${failed ? ' — with failures, see above' : ''}`);
  } finally {
    await upstream.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
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
