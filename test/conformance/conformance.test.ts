/**
 * The MCP conformance suite must pass through the gateway exactly as it passes against the
 * upstream server directly. For each upstream (our conformance fixture, and the reference
 * server-everything) the suite runs twice, directly and through `toolgate serve` with no
 * policies, and every scenario's verdict and check list (each check's id and status) must be
 * identical, except the few checks the gateway's own endpoint decides (GATEWAY_OWN_CHECKS).
 *
 * Needs the suite installed: bash scripts/install-conformance.sh (`npm test` runs it first);
 * without it the test fails and says so.
 * CONFORMANCE_RESULTS_DIR=<dir> keeps the suite's checks.json files there.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { childEnv, freePort, httpReady, spawnReady, type RunningProcess } from '../helpers/processes.js';
import { diffConformance, locateConformance, runConformance, type ConformanceResult, type GatewayOwnCheck } from './run-conformance.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/conformance -> repository root. */
const root = join(here, '..', '..', '..');
const fixtureJs = join(here, '..', 'fixtures', 'conformance-server.js');
const everythingJs = join(root, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const gatewayJs = join(root, 'dist', 'src', 'cli', 'main.js');

/**
 * The only checks allowed to differ between the two runs: the suite's client talks HTTP to the
 * gateway, so these test the gateway's own endpoint, not the upstream behind it. Each must have
 * the stated status through the gateway (checked), whatever the upstream does directly; every
 * other check of the same scenario is still compared. Add an entry only with the reason.
 */
const GATEWAY_OWN_CHECKS: GatewayOwnCheck[] = [
  {
    scenario: 'dns-rebinding-protection',
    check: 'localhost-host-rebinding-rejected',
    throughGateway: 'SUCCESS',
    // server-everything accepts `Host: evil.example.com` directly (FAILURE); the request never reaches it through the gateway.
    why: "the gateway's own Host/Origin checks reject a foreign Host on a localhost endpoint",
  },
  {
    scenario: 'server-sse-polling',
    check: 'server-sse-priming-event',
    throughGateway: 'SUCCESS',
    // Both upstreams open their SSE responses without one (WARNING); the client's stream is the gateway's.
    why: 'the gateway starts every SSE response with its own priming event (an id and empty data), for resumption',
  },
  {
    scenario: 'server-sse-polling',
    check: 'server-sse-retry-field',
    throughGateway: 'SUCCESS',
    // Same stream as above: the retry interval is the gateway's, since it replays its own buffer on reconnect.
    why: "the gateway's priming event carries its own `retry:` reconnect interval",
  },
];

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

describe('MCP conformance suite, direct vs through the gateway', { timeout: 180_000 }, () => {
  for (const upstream of upstreams) {
    test(`upstream: ${upstream.name}`, async (t: TestContext) => {
      const install = locateConformance();
      // A missing suite is a failure, not a skip: the guarantee must not silently disappear.
      assert.ok(!('missing' in install), 'missing' in install ? install.missing : '');
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

      await t.test('through the gateway', async (t) => {
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

        const diff = diffConformance(direct, proxied, GATEWAY_OWN_CHECKS);
        for (const line of diff.excused) t.diagnostic(`gateway's own check: ${line}`);
        const context = `direct:  ${url}\ngateway: ${gateway.url}\ngateway log (last 40 lines):\n${tail(gateway.process.output(), 40)}`;
        assert.deepEqual(diff.broken, [], `the gateway's own checks do not hold at its endpoint\n${context}`);
        assert.deepEqual(diff.differences, [], `the suite's verdicts or checks through the gateway differ from direct ones\n${context}`);
      });
    });
  }
});
