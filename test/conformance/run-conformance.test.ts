/**
 * The result parser and the diff, on output shaped like the suite's (0.1.16): one
 * `server-<scenario>-<timestamp>/checks.json` per scenario plus the stdout summary.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { diffConformance, parseConformanceOutput, type CheckOutcome, type GatewayOwnCheck, type ScenarioStatus } from './run-conformance.js';

const check = (id: string, status: CheckOutcome['status'], errorMessage?: string) => ({ id, status, errorMessage });

async function outputDir(scenarios: Record<string, ReturnType<typeof check>[]>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'toolgate-conformance-parse-'));
  for (const [name, checks] of Object.entries(scenarios)) {
    const scenarioDir = join(dir, `server-${name}-2026-11-24T04-18-26-815Z`);
    await mkdir(scenarioDir);
    await writeFile(join(scenarioDir, 'checks.json'), JSON.stringify(checks));
  }
  return dir;
}

test('parseConformanceOutput: statuses from checks.json, crashed scenarios from the summary', async (t) => {
  const dir = await outputDir({
    ping: [check('ping', 'SUCCESS')],
    'json-schema-2020-12': [check('json-schema-2020-12-tool-found', 'SUCCESS'), check('json-schema-2020-12-$defs', 'FAILURE', 'stripped')],
    'server-sse-polling': [check('outgoing-request', 'INFO'), check('server-sse-retry-field', 'WARNING')],
    'server-sse-multiple-streams': [check('server-sse-streams-functional', 'INFO')],
  });
  t.after(() => rm(dir, { recursive: true, force: true }));
  const raw = [
    'Running all suite (5 scenarios) against http://127.0.0.1:1/mcp',
    '=== SUMMARY ===',
    '✓ ping: 1 passed, 0 failed',
    '✗ json-schema-2020-12: 1 passed, 1 failed',
    '✓ server-sse-polling: 0 passed, 0 failed',
    '✓ server-sse-multiple-streams: 0 passed, 0 failed',
    '✗ tools-call-sampling: 0 passed, 1 failed',
  ].join('\n');

  const result = await parseConformanceOutput(raw, dir);

  const expected: Record<string, ScenarioStatus> = {
    ping: 'pass',
    'json-schema-2020-12': 'fail',
    'server-sse-polling': 'warning',
    'server-sse-multiple-streams': 'no-verdict',
    'tools-call-sampling': 'fail',
  };
  assert.deepEqual(result.scenarios, expected);
  assert.equal(result.passed, 3);
  assert.equal(result.failed, 2);
  assert.equal(result.announced, 5);
  assert.deepEqual(result.checks['server-sse-polling'], [{ id: 'server-sse-retry-field', status: 'WARNING' }], 'INFO checks are left out');
  assert.deepEqual(result.checks['json-schema-2020-12']![1], { id: 'json-schema-2020-12-$defs', status: 'FAILURE', errorMessage: 'stripped' });
});

test('diffConformance: verdicts and check lists, scenario by scenario, with gateway-own checks only', async (t) => {
  const run = (scenarios: Record<string, ScenarioStatus>, checks: Record<string, CheckOutcome[]> = {}) => ({ scenarios, checks });
  const ok = (id: string): CheckOutcome => ({ id, status: 'SUCCESS' });
  const failed = (id: string): CheckOutcome => ({ id, status: 'FAILURE' });
  const warned = (id: string): CheckOutcome => ({ id, status: 'WARNING' });
  const own: GatewayOwnCheck[] = [{ scenario: 'dns', check: 'rebinding-rejected', throughGateway: 'SUCCESS', why: 'the gateway checks Host' }];
  const cases: Array<{ name: string; direct: ReturnType<typeof run>; gateway: ReturnType<typeof run>; own?: GatewayOwnCheck[]; differences: number; broken?: number; excused?: number }> = [
    { name: 'identical runs', direct: run({ s: 'pass' }, { s: [ok('a')] }), gateway: run({ s: 'pass' }, { s: [ok('a')] }), differences: 0 },
    { name: 'verdict change', direct: run({ s: 'pass' }, { s: [ok('a')] }), gateway: run({ s: 'fail' }, { s: [failed('a')] }), differences: 1 },
    { name: 'verdict change of a scenario without checks.json', direct: run({ s: 'pass' }), gateway: run({ s: 'fail' }), differences: 1 },
    { name: 'scenario missing through the gateway', direct: run({ s: 'pass', x: 'pass' }), gateway: run({ s: 'pass' }), differences: 1 },
    { name: 'same verdict, a check disappeared', direct: run({ s: 'pass' }, { s: [ok('a'), ok('b')] }), gateway: run({ s: 'pass' }, { s: [ok('a')] }), differences: 1 },
    { name: 'same verdict, a check changed status', direct: run({ s: 'warning' }, { s: [warned('a'), warned('b')] }), gateway: run({ s: 'warning' }, { s: [ok('a'), warned('b')] }), differences: 1 },
    { name: 'better through the gateway is still a difference', direct: run({ s: 'warning' }, { s: [warned('a')] }), gateway: run({ s: 'pass' }, { s: [ok('a')] }), differences: 1 },
    { name: 'check order does not matter', direct: run({ s: 'pass' }, { s: [ok('a'), ok('b')] }), gateway: run({ s: 'pass' }, { s: [ok('b'), ok('a')] }), differences: 0 },
    {
      name: 'a gateway-own check that fails directly and passes through the gateway is excused',
      direct: run({ dns: 'fail' }, { dns: [failed('rebinding-rejected'), ok('valid-accepted')] }),
      gateway: run({ dns: 'pass' }, { dns: [ok('rebinding-rejected'), ok('valid-accepted')] }),
      own,
      differences: 0,
      excused: 1,
    },
    {
      name: 'a gateway-own check does not excuse the other checks of its scenario',
      direct: run({ dns: 'fail' }, { dns: [failed('rebinding-rejected'), ok('valid-accepted')] }),
      gateway: run({ dns: 'fail' }, { dns: [ok('rebinding-rejected'), failed('valid-accepted')] }),
      own,
      differences: 1,
      excused: 1,
    },
    {
      name: 'a gateway-own check must have its promised status through the gateway',
      direct: run({ dns: 'fail' }, { dns: [failed('rebinding-rejected')] }),
      gateway: run({ dns: 'fail' }, { dns: [failed('rebinding-rejected')] }),
      own,
      differences: 0,
      broken: 1,
    },
    {
      name: 'a gateway-own check missing through the gateway is broken',
      direct: run({ dns: 'pass' }, { dns: [ok('rebinding-rejected'), ok('valid-accepted')] }),
      gateway: run({ dns: 'pass' }, { dns: [ok('valid-accepted')] }),
      own,
      differences: 0,
      broken: 1,
    },
    { name: 'a gateway-own check excuses nothing without its list', direct: run({ dns: 'fail' }, { dns: [failed('rebinding-rejected')] }), gateway: run({ dns: 'pass' }, { dns: [ok('rebinding-rejected')] }), differences: 1 },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const diff = diffConformance(c.direct, c.gateway, c.own);
      const all = JSON.stringify(diff, null, 2);
      assert.equal(diff.differences.length, c.differences, all);
      assert.equal(diff.broken.length, c.broken ?? 0, all);
      assert.equal(diff.excused.length, c.excused ?? 0, all);
    });
  }
});
