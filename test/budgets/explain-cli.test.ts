/** `toolgate explain` and `toolgate validate` know budgets: the rule's budget is shown with where it comes from. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { toolgate } from '../catalog/cli-helpers.js';
import { tempDir } from '../helpers/harness.js';

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
