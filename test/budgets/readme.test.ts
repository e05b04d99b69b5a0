/** The README's Budgets section: its config loads, and its refusal text is what toolgate says. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { decide } from '../../src/gateway/decide.js';
import { namedAgent } from '../../src/identity/agent.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { policyViolationText } from '../../src/policy/decide.js';
import { MemoryRateLimitStore } from '../../src/store/memory-rate-limit-store.js';
import { REPO_ROOT } from '../helpers/harness.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Budgets'), readme.indexOf('### Validation'));

test('the README budget example loads, and a refund past it reads exactly as the README shows', async () => {
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  const shown = /```text\n([\s\S]*?)\n```/.exec(section)![1];
  const policy = compilePolicy(parseConfig(yaml, 'README.md', {}));
  const store = new MemoryRateLimitStore();
  const T0 = Date.UTC(2026, 0, 1);
  const alice = namedAgent('alice', [], 'api_key');
  const refund = (amount: number, session: string) => ({ server: 'payments', tool: 'create_refund', args: { amount }, session, agent: alice });
  assert.equal((await decide(policy, refund(12_000, 's1'), store, T0)).decision.kind, 'allow');
  assert.equal((await decide(policy, refund(30_000, 's2'), store, T0 + 3_600_000)).decision.kind, 'allow');
  const call = refund(20_000, 's3');
  const { decision } = await decide(policy, call, store, T0 + 86_400_000 - (3 * 3_600_000 + 10 * 60_000));
  assert.equal(policyViolationText(call, decision), shown);

  const eur = await decide(policy, { server: 'payments', tool: 'bank_payout', args: { amount: 1000, currency: 'EUR' }, agent: alice }, store, T0);
  assert.equal((eur.decision as { budget?: { amount: number } }).budget?.amount, 1000 * 1.1);
  await store.close();
});
