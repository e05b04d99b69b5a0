/** `toolgate init`'s starter policy suggests a budget for a Financial tool that takes an amount, as a block that loads once uncommented. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogEntry } from '../../src/catalog/entry.js';
import { starterPolicy } from '../../src/catalog/starter-policy.js';
import { parseConfig } from '../../src/config/load.js';

const tool = (name: string, description: string, properties: Record<string, unknown>) => ({ name, description, inputSchema: { type: 'object', properties } });

test('a Financial tool with an amount gets a commented budget; one without keeps the deny example', () => {
  const entries = [
    catalogEntry('payments', tool('create_refund', 'Refund a charge to the customer\'s card.', { charge: { type: 'string' }, amount: { type: 'integer' }, currency: { type: 'string' } })),
    catalogEntry('payments', tool('create_transfer', 'Transfer money between bank accounts.', { from: { type: 'string' }, to: { type: 'string' } })),
  ];
  assert.deepEqual(entries.map((e) => e.category), ['Financial', 'Financial']);
  const text = starterPolicy({ id: 'payments', kind: 'stdio', command: 'node', args: ['payments.js'] }, entries, 'toolgate.yaml');
  assert.match(text, /^# {9}budget: \{ amount: "args\.amount", max: 50000, window: 1d, scope: agent \} {3}# at most this much of amount per agent per day \(in its unit\)$/m);
  const lines = text.split('\n');
  const start = lines.indexOf('# policies:');
  const config = parseConfig(lines.map((line, i) => (i >= start && line.startsWith('# ') ? line.slice(2) : line)).join('\n'), 'toolgate.yaml', {});
  const refund = config.policies.payments.tools.create_refund;
  assert.deepEqual(refund.budget, { amount: 'args.amount', max: 50_000, windowMs: 86_400_000, scope: 'agent', giveBackOn: ['error', 'tool_error'] });
  assert.equal(config.policies.payments.tools.create_transfer.action, 'deny');
});
