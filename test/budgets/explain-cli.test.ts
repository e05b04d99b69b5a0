/** `toolgate explain` and `toolgate validate` know budgets: the rule's budget is shown with where it comes from. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { toolgate, toolgateAsync } from '../catalog/cli-helpers.js';
import { REPO_ROOT, startGateway, tempDir } from '../helpers/harness.js';

const PAYMENTS = `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(join(REPO_ROOT, 'dist', 'test', 'fixtures', 'payments-server.js'))}] }`;

test('toolgate explain shows the budget part and summary; toolgate validate refuses a broken amount at its line', () => {
  const dir = tempDir();
  const config = join(dir, 'toolgate.yaml');
  const tools = join(dir, 'tools.json');
  writeFileSync(tools, JSON.stringify({ tools: [{ name: 'create_refund', description: 'Refunds a payment', inputSchema: { type: 'object', properties: { amount: { type: 'integer' } } } }] }));
  writeFileSync(config, [
    'servers:',
    '  payments: { command: node }',
    'policies:',
    '  payments:',
    '    tools:',
    '      create_refund:',
    '        budget: { amount: args.amount, max: 50000, window: 1d, scope: agent }',
    '',
  ].join('\n'));
  const explained = toolgate(['explain', 'payments', 'create_refund', '-c', config, '--tools-json', tools]);
  assert.equal(explained.code, 0, explained.stderr);
  assert.match(explained.stdout, /Effective rule: allow, budget 50000 of args\.amount per 1d per agent/);
  assert.match(explained.stdout, /budget +\{ amount: "args\.amount", max: 50000, window: 1d, scope: agent, give_back_on: \[error, tool_error\] \} +— from policies\.payments\.tools\.create_refund/);
  const json = JSON.parse(toolgate(['explain', 'payments', 'create_refund', '-c', config, '--tools-json', tools, '--json']).stdout);
  assert.deepEqual(json.effectiveRule.budget, { amount: 'args.amount', max: 50_000, windowMs: 86_400_000, scope: 'agent', giveBackOn: ['error', 'tool_error'] });

  writeFileSync(config, ['servers:', '  payments: { command: node }', 'policies:', '  payments:', '    tools:', '      create_refund:', '        budget: { amount: "args.amount > 5", max: 50000, window: 1d, scope: agent }', ''].join('\n'));
  const invalid = toolgate(['validate', '-c', config]);
  assert.notEqual(invalid.code, 0);
  assert.match(invalid.stderr + invalid.stdout, /toolgate\.yaml:7:\d+: .*budget\/amount.*an amount must be a number, but this expression yields bool/);
});

test('toolgate explain --spend shows what the running gateway has spent of the budget, and says so when it cannot ask', async () => {
  const dir = tempDir();
  const tools = join(dir, 'tools.json');
  writeFileSync(tools, JSON.stringify({ tools: [
    { name: 'create_refund', description: 'Refunds a payment', inputSchema: { type: 'object', properties: { amount: { type: 'integer' } } } },
    { name: 'echo', description: 'Echoes', inputSchema: { type: 'object' } },
  ] }));
  const gw = await startGateway(`servers:\n  payments: ${PAYMENTS}\npolicies:\n  payments:\n    tools:\n      create_refund:\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: tool }\n`);
  try {
    const client = await gw.connect('payments');
    await client.callTool({ name: 'create_refund', arguments: { amount: 20_000 } });
    await client.callTool({ name: 'create_refund', arguments: { amount: 12_500 } });
    const port = new URL(gw.baseUrl).port;
    const explain = (...extra: string[]) => toolgateAsync(['explain', 'payments', 'create_refund', '-c', gw.configFile, '--tools-json', tools, '--spend', '-p', port, ...extra]);

    const text = await explain();
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Spent now \(from the running gateway\):\n {2}tool create_refund: 32,500 of 50,000 spent, 17,500 remaining; frees 20,000 in \d+s\n$/);
    const json = JSON.parse((await explain('--json')).stdout) as { spend: Array<{ kind: string; used: number; max: number; tool: string }> };
    assert.deepEqual(json.spend.map(({ kind, used, max, tool }) => ({ kind, used, max, tool })), [{ kind: 'budget', used: 32_500, max: 50_000, tool: 'create_refund' }]);

    const noBudget = await toolgateAsync(['explain', 'payments', 'echo', '-c', gw.configFile, '--tools-json', tools, '--spend', '-p', port]);
    assert.notEqual(noBudget.code, 0);
    assert.match(noBudget.stderr, /--spend: no budget governs echo on payments/);
  } finally {
    await gw.close();
  }
  const closed = await toolgateAsync(['explain', 'payments', 'create_refund', '-c', gw.configFile, '--tools-json', tools, '--spend', '-p', new URL(gw.baseUrl).port]);
  assert.notEqual(closed.code, 0);
  assert.match(closed.stderr, /Cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+\/admin\/api\//);
});
