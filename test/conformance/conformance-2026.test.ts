/**
 * MCP 2026-07-28 through the gateway, measured with the conformance suite release that has the
 * 2026 scenarios (scripts/install-conformance.sh installs it beside the 2025 one).
 *
 * 1. Parity: the dual-generation fixture (test/fixtures/conformance-server-2026.ts) directly and
 *    through `toolgate serve`, with `--spec-version 2026-07-28`, `--spec-version 2025-11-25` and
 *    with no spec version (every scenario the release has): the same verdict and the same check
 *    list, scenario by scenario.
 * 2. The bridge: the 2026 scenarios through the gateway in front of the same tools served by a
 *    2025-only server (`--legacy-only`). The figure is printed; every check that passes against
 *    the 2026 server directly must pass through the bridge, except the ones BRIDGE_GAPS names.
 *
 * CONFORMANCE_RESULTS_DIR=<dir> keeps the suite's checks.json files there.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, httpReady, spawnReady, type RunningProcess } from '../helpers/processes.js';
import { diffConformance, locateConformance, runConformance, type ConformanceOptions, type ConformanceResult } from './run-conformance.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtureJs = join(here, '..', 'fixtures', 'conformance-server-2026.js');
const gatewayJs = join(here, '..', '..', 'src', 'cli', 'main.js');

/**
 * Scenarios whose verdict belongs to the endpoint the suite talks to: through the gateway they
 * test the gateway's own Host checks and its own 2025 sessions, whatever the upstream does.
 */
const GATEWAY_OWN_SCENARIOS = ['dns-rebinding-protection', 'server-session-lifecycle'];

/**
 * Checks the suite makes only when the server closes a 2025 response stream in the middle of a
 * call (SEP-1699 polling). Through the gateway the client's stream stays open: the gateway resumes
 * the upstream's stream itself, so the client has nothing to resume and the suite reports the
 * check as not applicable (INFO) instead of passed.
 */
const GATEWAY_KEEPS_STREAM_OPEN = ['server-sse-disconnect-resume'];

function withoutChecks(result: ConformanceResult, ids: readonly string[]): ConformanceResult {
  const checks = Object.fromEntries(Object.entries(result.checks).map(([scenario, list]) => [scenario, list.filter((check) => !ids.includes(check.id))]));
  return { ...result, checks };
}

/** The run without the scenarios the gateway's own endpoint decides (asserted to pass separately). */
function comparable(result: ConformanceResult): ConformanceResult {
  const kept = withoutChecks(result, GATEWAY_KEEPS_STREAM_OPEN);
  const keep = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).filter(([scenario]) => !GATEWAY_OWN_SCENARIOS.includes(scenario)));
  return { ...kept, scenarios: keep(kept.scenarios), checks: keep(kept.checks) };
}

/**
 * Checks that pass against a 2026 server and cannot pass through the bridge to a 2025 server,
 * with the reason (the README's compatibility table says the same).
 */
const BRIDGE_GAPS: Record<string, string> = {
  'sep-2322-elicitation-incomplete':
    'the check wants the key the server chose ("user_name"); a 2025 server asks by a request that has no key, so the bridge names it (elicitation-1)',
  'sep-2322-elicitation-complete': 'follows from the one above: the scenario stops before its second round',
  'sep-2575-server-rejects-undeclared-capability':
    "the bridge opens the 2025 session with the capabilities the client declared, so the server itself meets the missing one, in its own way (the SDK: a tool error), not with -32021",
  'sep-2575-missing-capability-http-400': 'follows from the one above: there is no -32021 answer whose HTTP status could be checked',
};

const SUITE_TIMEOUT_MS = 150_000;

async function startFixture(...flags: string[]): Promise<{ url: string; process: RunningProcess }> {
  const port = await freePort();
  const process = await spawnReady({
    name: `conformance fixture ${flags.join(' ')}`.trim(),
    command: globalThis.process.execPath,
    args: [fixtureJs, '--port', String(port), ...flags],
    ready: /^listening (\S+)$/,
  });
  return { url: process.readyMatch!, process };
}

/** `toolgate serve` with the given upstreams and no policies (allow all). */
async function startGateway(upstreams: Record<string, string>): Promise<{ base: string; process: RunningProcess; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'toolgate-conformance-2026-'));
  const port = await freePort();
  await mkdir(join(dir, 'data'));
  const configFile = join(dir, 'toolgate.yaml');
  await writeFile(
    configFile,
    [
      `listen: { host: 127.0.0.1, port: ${port} }`,
      `data_dir: ${JSON.stringify(join(dir, 'data'))}`,
      'servers:',
      ...Object.entries(upstreams).map(([name, url]) => `  ${name}: { url: ${JSON.stringify(url)} }`),
      '',
    ].join('\n'),
  );
  const process = await spawnReady({
    name: 'toolgate gateway',
    command: globalThis.process.execPath,
    args: [gatewayJs, 'serve', '-c', configFile],
    ready: httpReady(`http://127.0.0.1:${port}/healthz`),
  });
  return { base: `http://127.0.0.1:${port}/mcp`, process, dir };
}

function run(url: string, label: string, options: ConformanceOptions): Promise<ConformanceResult> {
  const base = process.env.CONFORMANCE_RESULTS_DIR;
  return runConformance(url, {
    suiteRelease: '2026',
    timeoutMs: SUITE_TIMEOUT_MS,
    ...options,
    ...(base ? { outputDir: join(base, `${label}-${Date.now()}`) } : {}),
  });
}

function checkCounts(result: ConformanceResult): { passed: number; total: number } {
  const checks = Object.values(result.checks).flat();
  return { passed: checks.filter((check) => check.status === 'SUCCESS').length, total: checks.length };
}

function summary(result: ConformanceResult): string {
  const { passed, total } = checkCounts(result);
  const failed = Object.entries(result.scenarios).filter(([, status]) => status === 'fail').map(([name]) => name);
  return `${result.passed}/${result.passed + result.failed} scenarios, ${passed}/${total} checks passed in ${(result.durationMs / 1000).toFixed(1)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}`;
}

function assertRunCompleted(result: ConformanceResult, label: string): void {
  assert.ok(!result.timedOut, `${label}: the suite was killed in scenario ${result.unfinished ?? '(unknown)'}\n${result.raw}`);
  assert.ok(result.exitCode === 0 || result.exitCode === 1, `${label}: the suite exited with ${result.exitCode}\n${result.raw}`);
  assert.equal(Object.keys(result.scenarios).length, result.announced, `${label}: announced ${result.announced} scenarios, reported ${Object.keys(result.scenarios).length}\n${result.raw}`);
}

const install = locateConformance('2026');
if ('missing' in install) throw new Error(`conformance-2026: ${install.missing}`);

describe('MCP 2026-07-28 conformance through the gateway', { timeout: 900_000 }, () => {
  let dual: { url: string; process: RunningProcess };
  let legacyOnly: { url: string; process: RunningProcess };
  let gateway: { base: string; process: RunningProcess; dir: string };

  before(async () => {
    dual = await startFixture();
    legacyOnly = await startFixture('--legacy-only');
    gateway = await startGateway({ dual: dual.url, legacy: legacyOnly.url });
  });
  after(async () => {
    await gateway?.process.stop();
    await Promise.all([dual?.process.stop(), legacyOnly?.process.stop()]);
    if (gateway) await rm(gateway.dir, { recursive: true, force: true });
  });

  const parityRuns: Array<{ label: string; specVersion?: string }> = [
    { label: '--spec-version 2026-07-28', specVersion: '2026-07-28' },
    { label: '--spec-version 2025-11-25', specVersion: '2025-11-25' },
    { label: 'no --spec-version (every scenario)' },
  ];
  for (const { label, specVersion } of parityRuns) {
    test(`same verdicts and checks directly and through the gateway, ${label}`, async (t) => {
      const options = specVersion ? { specVersion } : {};
      const direct = await run(dual.url, `direct-${specVersion ?? 'all'}`, options);
      t.diagnostic(`direct: ${summary(direct)}`);
      assertRunCompleted(direct, 'direct');
      const proxied = await run(`${gateway.base}/dual`, `gateway-${specVersion ?? 'all'}`, options);
      t.diagnostic(`via gateway: ${summary(proxied)}`);
      assertRunCompleted(proxied, 'via gateway');

      const diff = diffConformance(comparable(direct), comparable(proxied));
      assert.deepEqual(
        diff.differences,
        [],
        `the suite's results through the gateway differ from direct ones (${label})\ngateway log (last 40 lines):\n${gateway.process.output().split('\n').slice(-40).join('\n')}`,
      );
      for (const scenario of GATEWAY_OWN_SCENARIOS) {
        if (proxied.scenarios[scenario] !== undefined) assert.equal(proxied.scenarios[scenario], 'pass', `${scenario} must pass at the gateway's own endpoint`);
      }
    });
  }

  test('2026 scenarios through the bridge to a 2025-only server', async (t) => {
    const options = { specVersion: '2026-07-28' };
    const direct = await run(dual.url, 'direct-2026-reference', options);
    assertRunCompleted(direct, 'direct');
    const bridged = await run(`${gateway.base}/legacy`, 'bridge-2026', options);
    assertRunCompleted(bridged, 'bridge');
    const { passed, total } = checkCounts(bridged);
    const reference = checkCounts(direct);
    t.diagnostic(`bridge figure: ${passed} of the ${reference.total} checks pass through the bridge to a 2025 server (${total} reported; a 2026 server directly: ${reference.passed} of ${reference.total})`);
    t.diagnostic(`bridge: ${summary(bridged)}`);

    const missing: string[] = [];
    for (const [scenario, checks] of Object.entries(direct.checks)) {
      for (const check of checks) {
        if (check.status !== 'SUCCESS' || BRIDGE_GAPS[check.id] !== undefined) continue;
        const through = bridged.checks[scenario]?.find((candidate) => candidate.id === check.id);
        if (through?.status !== 'SUCCESS') missing.push(`${scenario}/${check.id}: ${through ? `${through.status}${through.errorMessage ? ` (${through.errorMessage})` : ''}` : 'not reported'}`);
      }
    }
    assert.deepEqual(missing, [], `checks that pass against a 2026 server fail through the bridge\ngateway log (last 40 lines):\n${gateway.process.output().split('\n').slice(-40).join('\n')}`);
  });
});
