/**
 * The result parser and the diff, on output shaped like the suite's (0.1.16): one
 * `server-<scenario>-<timestamp>/checks.json` per scenario plus the stdout summary.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { diffConformance, parseConformanceOutput, type CheckOutcome, type ScenarioStatus } from './run-conformance.js';

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

test('diffConformance', async (t) => {
  const run = (scenarios: Record<string, ScenarioStatus>, checks: Record<string, CheckOutcome[]> = {}) => ({ scenarios, checks });
  const cases = [
    { name: 'identical runs', a: run({ ping: 'pass' }), b: run({ ping: 'pass' }), ignore: [], scenarios: 0, checks: 0 },
    { name: 'status change', a: run({ ping: 'pass' }), b: run({ ping: 'fail' }), ignore: [], scenarios: 1, checks: 0 },
    { name: 'scenario missing', a: run({ ping: 'pass', x: 'pass' }), b: run({ ping: 'pass' }), ignore: [], scenarios: 1, checks: 0 },
    { name: 'ignored scenario', a: run({ dns: 'fail' }), b: run({ dns: 'pass' }), ignore: ['dns'], scenarios: 0, checks: 0 },
    {
      name: 'same status, a check became not applicable',
      a: run({ s: 'pass' }, { s: [{ id: 'a', status: 'SUCCESS' }, { id: 'b', status: 'SUCCESS' }] }),
      b: run({ s: 'pass' }, { s: [{ id: 'a', status: 'SUCCESS' }] }),
      ignore: [],
      scenarios: 0,
      checks: 1,
    },
    {
      name: 'check order does not matter',
      a: run({ s: 'pass' }, { s: [{ id: 'a', status: 'SUCCESS' }, { id: 'b', status: 'SUCCESS' }] }),
      b: run({ s: 'pass' }, { s: [{ id: 'b', status: 'SUCCESS' }, { id: 'a', status: 'SUCCESS' }] }),
      ignore: [],
      scenarios: 0,
      checks: 0,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const diff = diffConformance(c.a, c.b, c.ignore);
      assert.equal(diff.scenarios.length, c.scenarios, diff.scenarios.join('\n'));
      assert.equal(diff.checks.length, c.checks, diff.checks.join('\n'));
    });
  }
});
