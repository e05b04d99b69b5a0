/**
 * The MCP conformance suite must pass through the gateway exactly as it passes against the
 * upstream server directly. For each upstream (our conformance fixture, and the reference
 * server-everything) the suite runs twice, directly and through `toolgate serve` with no
 * policies, and the per-scenario and per-check verdicts must be identical.
 *
 * Needs the suite installed: scripts/install-conformance.sh (skips with a message otherwise).
 * The gateway half skips while dist/src/cli/main.js does not exist.
 * CONFORMANCE_RESULTS_DIR=<dir> keeps the suite's checks.json files there.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { childEnv, freePort, httpReady, spawnReady, type RunningProcess } from '../helpers/processes.js';
import { diffConformance, locateConformance, runConformance, type ConformanceResult } from './run-conformance.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/conformance -> repository root. */
const root = join(here, '..', '..', '..');
const fixtureJs = join(here, '..', 'fixtures', 'conformance-server.js');
const everythingJs = join(root, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const gatewayJs = join(root, 'dist', 'src', 'cli', 'main.js');

/**
 * Scenarios whose verdict belongs to the HTTP endpoint the suite talks to, not to the
 * upstream behind it. `dns-rebinding-protection` sends `Host: evil.example.com` to that
 * endpoint: through the gateway it tests the gateway's own Host/Origin checks (a localhost
 * endpoint without auth MUST reject it), so it must pass there whatever the upstream does.
 */
const GATEWAY_OWN_SCENARIOS = ['dns-rebinding-protection'];

/**
 * Per suite run. A healthy run takes 2-6 s; the suite's client gives up on an unanswered
 * request after 60 s, so a run with one hung request still finishes and reports that
 * scenario as failed, while a worse run is killed and the whole test stays under 3 minutes.
 */
const SUITE_TIMEOUT_MS = 75_000;

interface Upstream {
  /** Also the server's name in the gateway config, so the proxy URL is /mcp/<name>. */
  name: string;
  start(): Promise<{ url: string; process: RunningProcess }>;
  /** The fixture exists to pass everything; server-everything is only compared. */
  mustPassDirectly: boolean;
}

const upstreams: Upstream[] = [
  {
    name: 'fixture',
    mustPassDirectly: true,
    async start() {
      const port = await freePort();
      const process = await spawnReady({
        name: 'conformance fixture',
        command: globalThis.process.execPath,
        args: [fixtureJs, '--port', String(port)],
        ready: /^listening (\S+)$/,
      });
      return { url: process.readyMatch!, process };
    },
  },
  {
    name: 'everything',
    mustPassDirectly: false,
    async start() {
      const port = await freePort();
      const process = await spawnReady({
        name: 'server-everything',
        command: globalThis.process.execPath,
        args: [everythingJs, 'streamableHttp'],
        env: childEnv({ PORT: String(port) }),
        ready: /listening on port \d+/,
      });
      return { url: `http://127.0.0.1:${port}/mcp`, process };
    },
  },
];

/** Starts `toolgate serve` with one upstream and no policies (allow all). */
async function startGateway(serverName: string, upstreamUrl: string): Promise<{ url: string; process: RunningProcess; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'toolgate-conformance-gateway-'));
  const port = await freePort();
  const configFile = join(dir, 'toolgate.yaml');
  await mkdir(join(dir, 'data'));
  // JSON strings are valid YAML scalars, so paths and URLs need no further quoting.
  await writeFile(
    configFile,
    [
      `listen: { host: 127.0.0.1, port: ${port} }`,
      `data_dir: ${JSON.stringify(join(dir, 'data'))}`,
      'servers:',
      `  ${serverName}: { url: ${JSON.stringify(upstreamUrl)} }`,
      '',
    ].join('\n'),
  );
  const process = await spawnReady({
    name: 'toolgate gateway',
    command: globalThis.process.execPath,
    args: [gatewayJs, 'serve', '-c', configFile],
    ready: httpReady(`http://127.0.0.1:${port}/healthz`),
  });
  return { url: `http://127.0.0.1:${port}/mcp/${serverName}`, process, dir };
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

function resultsDir(label: string): string | undefined {
  const base = process.env.CONFORMANCE_RESULTS_DIR;
  return base ? join(base, `${label}-${Date.now()}`) : undefined;
}

function summary(result: ConformanceResult): string {
  const checks = Object.values(result.checks).flat();
  const count = (status: string) => checks.filter((check) => check.status === status).length;
  const byStatus = (status: string) =>
    Object.entries(result.scenarios)
      .filter(([, s]) => s === status)
      .map(([name]) => name);
  const warned = byStatus('warning');
  const failed = byStatus('fail');
  return (
    `${result.passed}/${result.passed + result.failed} scenarios passed ` +
    `(checks: ${count('SUCCESS')} ok, ${count('FAILURE')} failed, ${count('WARNING')} warnings) ` +
    `in ${(result.durationMs / 1000).toFixed(1)} s` +
    (failed.length ? `; failed: ${failed.join(', ')}` : '') +
    (warned.length ? `; warnings only: ${warned.join(', ')}` : '')
  );
}

/** Fails with the suite's own output when the run itself broke (timeout, crash, missing scenarios). */
function assertRunCompleted(result: ConformanceResult, label: string): void {
  const seconds = (result.durationMs / 1000).toFixed(0);
  assert.ok(
    !result.timedOut,
    `${label}: the suite was killed after ${seconds} s, in scenario ${result.unfinished ?? '(unknown)'}; ` +
      `finished so far: ${JSON.stringify(result.scenarios)}\n${result.raw}`,
  );
  assert.ok(result.exitCode === 0 || result.exitCode === 1, `${label}: the suite exited with ${result.exitCode}\n${result.raw}`);
  assert.equal(
    Object.keys(result.scenarios).length,
    result.announced,
    `${label}: the suite announced ${result.announced} scenarios but reported ${Object.keys(result.scenarios).length}\n${result.raw}`,
  );
}

const install = locateConformance();
const suiteMissing = 'missing' in install ? install.missing : false;

describe('MCP conformance suite, direct vs through the gateway', { skip: suiteMissing, timeout: 180_000 }, () => {
  for (const upstream of upstreams) {
    test(`upstream: ${upstream.name}`, async (t: TestContext) => {
      const { url, process: upstreamProcess } = await upstream.start();
      t.after(() => upstreamProcess.stop());

      const direct = await runConformance(url, {
        timeoutMs: SUITE_TIMEOUT_MS,
        outputDir: resultsDir(`${upstream.name}-direct`),
      });
      t.diagnostic(`${upstream.name} direct: ${summary(direct)}`);
      assertRunCompleted(direct, `${upstream.name} direct`);
      if (upstream.mustPassDirectly) {
        const failed = Object.entries(direct.checks).flatMap(([name, checks]) =>
          checks.filter((check) => check.status === 'FAILURE').map((check) => `${name}/${check.id}: ${check.errorMessage ?? ''}`),
        );
        assert.deepEqual(failed, [], `the ${upstream.name} upstream must pass every scenario directly\n${direct.raw}`);
      }

      await t.test('through the gateway', { skip: existsSync(gatewayJs) ? false : `the gateway is not built yet (${gatewayJs} missing)` }, async (t) => {
        const gateway = await startGateway(upstream.name, url);
        t.after(async () => {
          await gateway.process.stop();
          await rm(gateway.dir, { recursive: true, force: true });
        });

        const proxied = await runConformance(gateway.url, {
          timeoutMs: SUITE_TIMEOUT_MS,
          outputDir: resultsDir(`${upstream.name}-gateway`),
        });
        t.diagnostic(`${upstream.name} via gateway: ${summary(proxied)}`);
        assertRunCompleted(proxied, `${upstream.name} via gateway`);

        const diff = diffConformance(direct, proxied, GATEWAY_OWN_SCENARIOS);
        for (const line of diff.checks) t.diagnostic(`same verdict, different checks: ${line}`);
        for (const line of diff.improvements) t.diagnostic(`better through the gateway: ${line}`);
        assert.deepEqual(
          diff.scenarios,
          [],
          `the suite's verdicts through the gateway differ from direct ones\n` +
            `direct:  ${url}\ngateway: ${gateway.url}\ngateway log (last 40 lines):\n${tail(gateway.process.output(), 40)}`,
        );
        for (const scenario of GATEWAY_OWN_SCENARIOS) {
          assert.equal(proxied.scenarios[scenario], 'pass', `${scenario} must pass at the gateway's own endpoint: ${JSON.stringify(proxied.checks[scenario])}`);
        }
      });
    });
  }
});
