#!/usr/bin/env node
/**
 * A CPU profile of the gateway under the benchmark's load, summarized: toolgate runs with
 * `node --cpu-prof` in front of the same upstream the benchmark uses, the load client makes
 * sequential `tools/call echo` requests from S sessions, and only the samples of the measured
 * phase are counted (start-up, session opening and warm-up are left out).
 *
 *   npm run build && node dist/bench/profile.js [--target toolgate-policy] [--sessions 16]
 *       [--seconds 8] [--cli PATH] [--top 30] [--keep DIR] [--json]
 *
 * --cli defaults to the toolgate built next to this script (dist/src/cli/main.js); --keep DIR
 * leaves the .cpuprofile there (open it in Chrome DevTools), otherwise it is deleted.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { auditSupport } from './audit.js';
import { FULL_WARMUP_CALLS, MAX_WARMUP_MS, runLoad } from './load-client.js';
import { cpuMicros } from './proc-stats.js';
import { startProcess, waitForLine } from './processes.js';
import { summarize, summaryText, type CpuProfile } from './profile-summary.js';
import { buildHasAudit } from './snapshot.js';
import { benchRedis, dropBenchKeys, startOtlpSink } from './services.js';
import { startToolgate, TOOLGATE_TARGETS, type TargetContext } from './targets.js';

const BUILD_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'toolgate-policy' },
    sessions: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '8' },
    cli: { type: 'string' },
    top: { type: 'string', default: '30' },
    keep: { type: 'string' },
    json: { type: 'boolean', default: false },
    'repo-root': { type: 'string' },
  },
});

const spec = TOOLGATE_TARGETS.find(({ id }) => id === values.target);
if (!spec) throw new Error(`--target is one of ${TOOLGATE_TARGETS.map(({ id }) => id).join(', ')}`);
const { id, label, server, setup } = spec;
const cli = resolve(values.cli ?? join(BUILD_ROOT, 'dist', 'src', 'cli', 'main.js'));
const workDir = mkdtempSync(join(tmpdir(), 'toolgate-profile-'));
const profileDir = join(workDir, 'profile');
const upstream = startProcess('http-echo-server', process.execPath, [join(BUILD_ROOT, 'dist', 'bench', 'http-echo-server.js')]);
const redis = setup.redis ? benchRedis() : undefined;
const sink = setup.telemetry ? await startOtlpSink(BUILD_ROOT) : undefined;
try {
  const port = (await waitForLine(upstream, /listening (\d+)/))[1];
  const context: TargetContext = {
    repoRoot: resolve(values['repo-root'] ?? BUILD_ROOT),
    buildRoot: BUILD_ROOT,
    workDir,
    upstreamUrl: `http://127.0.0.1:${port}/mcp`,
    stdioServer: join(BUILD_ROOT, 'dist', 'bench', 'stdio-echo-server.js'),
    toolgateCli: cli,
    audit: auditSupport(buildHasAudit(cli)),
    redis,
    otlpEndpoint: sink?.endpoint,
  };
  const { proxy, baseUrl } = await startToolgate(context, id, setup, ['--cpu-prof', '--cpu-prof-dir', profileDir]);
  const window = { fromMicros: 0, toMicros: 0 };
  let cpu = 0;
  const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);
  let load;
  try {
    load = await runLoad({
      url: `${baseUrl}/mcp/${server}`,
      sessions: Number(values.sessions),
      warmupMs: 1500,
      warmupCalls: FULL_WARMUP_CALLS,
      maxWarmupMs: MAX_WARMUP_MS,
      durationMs: Number(values.seconds) * 1000,
      onMeasure(phase) {
        if (phase === 'start') {
          window.fromMicros = monotonicMicros();
          cpu = -cpuMicros(proxy.pid);
        } else {
          window.toMicros = monotonicMicros();
          cpu += cpuMicros(proxy.pid);
        }
      },
    });
  } finally {
    await proxy.stop(15_000); // SIGTERM: toolgate exits cleanly and node writes the profile
  }
  const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${profileDir}, found ${files.length}`);
  const profile = JSON.parse(readFileSync(join(profileDir, files[0]), 'utf8')) as CpuProfile;
  if (window.fromMicros < profile.startTime || window.toMicros > profile.endTime) {
    throw new Error('the measured phase lies outside the profile: the profile clock is not process.hrtime\'s on this system');
  }
  const summary = summarize(profile, Number(values.top), window);
  const heading = `${label} × ${values.sessions} sessions: ${load.calls} calls in ${(load.elapsedMs / 1000).toFixed(1)} s ` +
    `(${((load.calls * 1000) / load.elapsedMs).toFixed(0)} calls/s, ${load.errors} errors), gateway ${(cpu / Math.max(1, load.calls)).toFixed(0)} µs CPU/call (with the profiler on)`;
  process.stdout.write(values.json ? `${JSON.stringify({ heading, ...summary }, null, 2)}\n` : `${heading}\n${summaryText(summary)}\n`);
  if (values.keep) {
    cpSync(join(profileDir, files[0]), join(resolve(values.keep), files[0]));
    process.stderr.write(`profile kept in ${join(resolve(values.keep), files[0])}\n`);
  }
} finally {
  await upstream.stop();
  await sink?.stop();
  if (redis) await dropBenchKeys(redis);
  rmSync(workDir, { recursive: true, force: true });
}
