/**
 * The benchmark harness stays runnable: `node dist/bench/run.js --quick --out DIR` exits 0 and
 * writes results.json with every cell measured without errors (the Redis-store and telemetry-on
 * cells included), the goals, the policy rows, the rate-limit takes on both stores, the
 * idle-session probe and the config-load row with the CLI's start-up. Figures are not asserted (the machine is shared and
 * noisy); their presence and sanity are.
 *
 * The run measures the repository's dist/ and starts gateways (one on the real Redis at
 * 127.0.0.1:6379, under a prefix of its own), upstreams, an OTLP sink and the two other bridges; it is
 * stopped (SIGTERM, then SIGKILL to its whole process group) if it takes longer than 180 s.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TIMEOUT_MS = 180_000;
const GRACE_MS = 10_000;

const TARGETS = ['direct', 'byte-pipe', 'toolgate-allow', 'toolgate-policy', 'toolgate-policy-redis', 'toolgate-policy-telemetry', 'toolgate-stdio', 'toolgate-stdio-shared', 'supergateway-stdio', 'mcp-proxy-stdio'];
const QUICK_SESSIONS = [1, 16];
const GOALS = ['pipe-throughput', 'pipe-latency', 'no-wait', 'stdio-throughput', 'decision-p99', 'idle-session', 'load-rss', 'redis-latency', 'redis-throughput'];
/** Goals a quick run cannot measure: it has no 64-session cells. */
const NOT_IN_QUICK = new Set(['load-rss']);

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** Runs the quick benchmark; never outlives TIMEOUT_MS + GRACE_MS, and leaves no process behind. */
function runQuick(out: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    // Its own process group, so a stuck run is ended with everything it started.
    // The tests' Redis (TOOLGATE_TEST_REDIS) is the one the Redis-store cells use.
    const env = process.env.TOOLGATE_TEST_REDIS ? { ...process.env, TOOLGATE_BENCH_REDIS: process.env.TOOLGATE_TEST_REDIS } : process.env;
    const child = spawn(process.execPath, [RUN, '--quick', '--out', out], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    // SIGTERM first: the harness then stops what it started; SIGKILL the group if it does not.
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), GRACE_MS).unref();
    }, TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // Anything of the group still running once the harness is gone (it should have stopped them).
      killGroup('SIGKILL');
      resolve({ code, signal, stderr, timedOut, ms: performance.now() - started });
    });
  });
}

test('npm run bench -- --quick measures every cell and writes the results', { timeout: TIMEOUT_MS + 2 * GRACE_MS }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'toolgate-bench-test-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const outcome = await runQuick(out);
  const tail = outcome.stderr.split('\n').slice(-40).join('\n');
  t.diagnostic(`quick benchmark took ${(outcome.ms / 1000).toFixed(1)} s`);
  assert.equal(outcome.timedOut, false, `the quick benchmark did not finish within ${TIMEOUT_MS / 1000} s; its output:\n${tail}`);
  assert.equal(outcome.code, 0, `exit ${outcome.code ?? outcome.signal}; its output:\n${tail}`);

  for (const file of ['results.json', 'RESULTS.md', 'chart.svg']) assert.ok(existsSync(join(out, file)), `${file} was not written`);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.equal(results.meta.mode, 'quick');
  assert.deepEqual(results.meta.sessions, QUICK_SESSIONS);

  // Every target at every session count, measured, without a failed call.
  const cells = results.cells as Array<{ target: string; sessions: number; calls: number; errors: number; callsPerSecond: number; latencyMs: { p50: number; p99: number }; proxyCpuMicrosPerCall: number | null }>;
  const expected = QUICK_SESSIONS.flatMap((sessions) => TARGETS.map((target) => `${target}|${sessions}`));
  assert.deepEqual(cells.map((c) => `${c.target}|${c.sessions}`).sort(), [...expected].sort());
  for (const cell of cells) {
    const name = `${cell.target} × ${cell.sessions}`;
    assert.ok(cell.calls > 0, `${name}: no calls`);
    assert.equal(cell.errors, 0, `${name}: ${cell.errors} errors`);
    assert.ok(cell.callsPerSecond > 0 && Number.isFinite(cell.latencyMs.p50) && cell.latencyMs.p99 >= cell.latencyMs.p50, `${name}: odd figures ${JSON.stringify(cell.latencyMs)}`);
    if (cell.target !== 'direct') assert.ok(cell.proxyCpuMicrosPerCall !== null && cell.proxyCpuMicrosPerCall > 0, `${name}: no gateway CPU`);
  }
  assert.equal(results.ratios.length, QUICK_SESSIONS.length);

  // The goals, each measured and judged.
  assert.deepEqual(results.goals.map((g: { id: string }) => g.id), GOALS);
  for (const goal of results.goals as Array<{ id: string; measured: number | null; pass: boolean | null }>) {
    if (NOT_IN_QUICK.has(goal.id)) {
      assert.equal(goal.measured, null, `goal ${goal.id} measured without the cells it needs`);
      continue;
    }
    assert.ok(typeof goal.measured === 'number' && Number.isFinite(goal.measured), `goal ${goal.id} not measured`);
    assert.equal(typeof goal.pass, 'boolean', `goal ${goal.id} not judged`);
  }

  // The policy micro-benchmark: a row per rule count, with sane timings.
  assert.deepEqual(results.policy.map((row: { rules: number }) => row.rules), [10, 1_000, 10_000]);
  for (const row of results.policy) {
    assert.ok(row.compileMs >= 0, `${row.rules} rules: compile time`);
    for (const mix of ['echo', 'mixed', 'firstCall']) {
      const timing = row[mix];
      assert.ok(timing.decisions > 0 && timing.p50Micros > 0 && timing.p99Micros >= timing.p50Micros, `${row.rules} rules, ${mix}: ${JSON.stringify(timing)}`);
    }
  }

  // One rate-limit take alone on each store; and the telemetry-on cells really exported spans.
  assert.deepEqual(results.rateLimitTakes.map((row: { store: string }) => row.store), ['memory', 'redis']);
  for (const row of results.rateLimitTakes) {
    assert.ok(row.takes > 0 && row.p50Micros > 0 && row.p99Micros >= row.p50Micros, `rate-limit take, ${row.store} store: ${JSON.stringify(row)}`);
  }
  assert.ok(results.otlpSink?.exports > 0, `the OTLP sink received nothing from the telemetry-on cells: ${JSON.stringify(results.otlpSink)}`);

  // The idle-session probe.
  const idle = results.idle;
  assert.ok(idle, 'no idle-session result');
  assert.equal(idle.failed, 0, `idle probe: ${idle.failed} sessions failed (${idle.firstError})`);
  assert.ok(idle.sessions > 0 && Number.isFinite(idle.rssKiBPerSession), `idle probe: ${JSON.stringify(idle)}`);

  // Config load with many validate.arguments schemas, on the build under test.
  assert.equal(results.configLoad.length, 1);
  assert.ok(results.configLoad[0].schemas > 0 && results.configLoad[0].loadMs > 0, `config load: ${JSON.stringify(results.configLoad[0])}`);
  const startup = results.configLoad[0].startup;
  assert.ok(startup.runs > 0 && startup.versionMs > 0 && startup.validateDemoMs > 0, `CLI start-up: ${JSON.stringify(startup)}`);

  const markdown = readFileSync(join(out, 'RESULTS.md'), 'utf8');
  for (const heading of ['## Goals', '## Throughput, latency, gateway cost', '## Redis store, telemetry on and off', '## Policy decision alone', '## Memory per idle session', '## Config load with many argument schemas']) {
    assert.ok(markdown.includes(heading), `RESULTS.md has no "${heading}"`);
  }
});
