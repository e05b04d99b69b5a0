/** `budget:` in the config file: what loads, and each mistake refused at its line with how to fix it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { assertProblem, problemsOf, yaml } from '../config/helpers.js';

const head = ['servers:', '  payments: { command: node }', 'policies:', '  payments:', '    tools:'];

test('a budget loads with its window in ms, the default give_back_on, and shows in explain', () => {
  const config = parseConfig(
    yaml(...head, '      create_refund:', '        budget: { amount: args.amount, max: 50000, window: 1d, scope: tool }'),
    'toolgate.yaml',
    {},
  );
  const rule = config.policies.payments.tools.create_refund;
  assert.deepEqual(rule.budget, { amount: 'args.amount', max: 50_000, windowMs: 86_400_000, scope: 'tool', giveBackOn: ['error', 'tool_error'] });
  const explained = compilePolicy(config).explain('payments', 'create_refund');
  assert.deepEqual(explained.rule.budget, rule.budget);
  assert.deepEqual(explained.parts.find((p) => p.part === 'budget'), { part: 'budget', value: rule.budget, from: 'policies.payments.tools.create_refund' });
});

test('the issue\'s payout expression loads, and give_back_on can narrow what gives back', () => {
  const config = parseConfig(
    yaml(
      ...head,
      '      "*_payout":',
      `        budget: { amount: 'double(args.amount) * (args.currency == "EUR" ? 1.1 : 1.0)', max: 100000, window: 1d, scope: server, give_back_on: [error] }`,
    ),
    'toolgate.yaml',
    {},
  );
  assert.deepEqual(config.policies.payments.tools['*_payout'].budget?.giveBackOn, ['error']);
});

test('mistakes are refused at load time, at their line, with a fix', () => {
  const table: Array<[lines: string[], want: Parameters<typeof assertProblem>[1]]> = [
    [['      t:', '        budget: { amount: "args.amount +", max: 5, window: 1h, scope: tool }'], { line: 7, column: 41, path: '/policies/payments/tools/t/budget/amount', message: '`amount` is not a usable amount: CEL syntax error: Unexpected token: EOF (at character 14)', hint: 'args.amount' }],
    [['      t:', '        budget: { amount: "args.x == 1", max: 5, window: 1h, scope: tool }'], { line: 7, column: 27, path: '/policies/payments/tools/t/budget/amount', message: 'an amount must be a number, but this expression yields bool' }],
    [['      t:', '        budget: { amount: "\'abc\'", max: 5, window: 1h, scope: tool }'], { line: 7, column: 27, path: '/policies/payments/tools/t/budget/amount', message: 'yields string' }],
    [['      t:', '        budget: { amount: "  ", max: 5, window: 1h, scope: tool }'], { line: 7, column: 27, path: '/policies/payments/tools/t/budget/amount', message: '`amount` must not be empty' }],
    [['      t:', '        budget: { amount: args.amount, max: 0, window: 1h, scope: tool }'], { line: 7, column: 45, path: '/policies/payments/tools/t/budget/max', message: 'must be > 0, got 0' }],
    [['      t:', '        budget: { amount: args.amount, max: 5, window: 1h }'], { line: 7, column: 9, path: '/policies/payments/tools/t/budget', message: 'missing required key `scope`' }],
    [['      t:', '        budget: { amount: args.amount, max: 5, window: 1h, scope: agent_server }'], { line: 7, column: 67, path: '/policies/payments/tools/t/budget/scope', message: '`agent_server` is not one of `agent`, `session`, `tool`, `server`, `global`' }],
    [['      t:', '        budget: { amount: args.amount, max: 5, window: 1h, scope: tool, give_back_on: [timeout] }'], { line: 7, column: 88, path: '/policies/payments/tools/t/budget/give_back_on/0', message: '`timeout` is not one of `error`, `tool_error`' }],
    [['      t:', '        action: deny', '        budget: { amount: args.amount, max: 5, window: 1h, scope: tool }'], { line: 8, column: 9, path: '/policies/payments/tools/t/budget', message: '`budget` never counts anything: a rule with `action: deny`' }],
    [['      t:', '        budget: { amount: args.amount, max: 5, window: soon, scope: tool }'], { line: 7, column: 56, path: '/policies/payments/tools/t/budget/window', message: '`soon` is not a duration' }],
  ];
  for (const [lines, want] of table) {
    const problems = problemsOf(yaml(...head, ...lines));
    assertProblem(problems.find((p) => p.path === want.path), want);
  }
});
