/**
 * Budgets through a real gateway: the official SDK client calls a payments fixture whose own log
 * shows what it executed, so every refusal is proved by what never ran.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { auditFile } from '../../src/audit/audit-log.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { Clients } from '../identity/helpers.js';
import { decisionOf, eventually, REPO_ROOT, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';

const PAYMENTS_SERVER = join(REPO_ROOT, 'dist', 'test', 'fixtures', 'payments-server.js');
const PAYMENTS = `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(PAYMENTS_SERVER)}], env: { EXEC_LOG: "$DIR/executed.jsonl" } }`;

/** What the payments fixture carried out, in order. */
function executed(gw: StartedGateway): Array<{ tool: string; amount: number }> {
  const file = join(gw.dir, 'executed.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { tool: string; amount: number });
}

const startPayments = (tools: string, head = '', options: Parameters<typeof startGateway>[1] = {}) =>
  startGateway(`${head}servers:\n  payments: ${PAYMENTS}\npolicies:\n  payments:\n    tools:\n${tools}`, options);

const refund = (client: Client, args: Record<string, unknown>) => client.callTool({ name: 'create_refund', arguments: args });

const isOverBudget = (result: unknown) => (result as { isError?: unknown }).isError === true && decisionOf(result)?.decision === 'over_budget';

describe('budgets through the gateway', () => {
  test('20,000 + 20,000 + 20,000 against 50,000: the third is refused, the upstream executed two, the audit carries the amounts', async () => {
    const gw = await startPayments(`      create_refund:\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: tool }\n`);
    try {
      const client = await gw.connect('payments');
      assert.equal(resultText(await refund(client, { amount: 20_000 })), 'create_refund 20000 USD done');
      assert.equal(resultText(await refund(client, { amount: 20_000 })), 'create_refund 20000 USD done');
      const third = await refund(client, { amount: 20_000 });
      assert.ok(isOverBudget(third));
      assert.match(resultText(third), /^Policy violation: tool "create_refund" on server "payments" was refused by rule "create_refund" \(budget\): budget 50,000 per 1 day \(tool\): 40,000 spent, this call 20,000, remaining 10,000; frees 20,000 in 1d$/);
      assert.deepEqual(
        { ...(decisionOf(third)!.budget as Record<string, unknown>), retryAfterSeconds: undefined },
        { max: 50_000, scope: 'tool', amount: 20_000, spent: 40_000, remaining: 10_000, freesAmount: 20_000, windowSeconds: 86_400, retryAfterSeconds: undefined },
      );
      assert.equal(resultText(await refund(client, { amount: 10_000 })), 'create_refund 10000 USD done', 'what is left can still be spent');
      assert.deepEqual(executed(gw).map((e) => e.amount), [20_000, 20_000, 10_000]);
      const metrics = (await gw.gateway.admin!.metrics.render()).body;
      assert.match(metrics, /^toolgate_budget_amount_total\{server="payments",rule="create_refund",outcome="allowed"\} 50000$/m);
      assert.match(metrics, /^toolgate_budget_amount_total\{server="payments",rule="create_refund",outcome="over_budget"\} 20000$/m);

      await gw.gateway.audit!.flush();
      const reader = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
      try {
        const records = (await reader.query({ tool: 'create_refund' })).sort((a, b) => a.id - b.id);
        assert.deepEqual(records.map((r) => r.decision), ['allowed', 'allowed', 'over_budget', 'allowed']);
        assert.deepEqual(records.map((r) => [r.budget?.amount, r.budget?.spent, r.budget?.remaining]), [[20_000, 0, 30_000], [20_000, 20_000, 10_000], [20_000, 40_000, 10_000], [10_000, 40_000, 0]]);
        assert.equal(records[2].rulePart, 'budget');
      } finally {
        await reader.close();
      }
    } finally {
      await gw.close();
    }
  });

  test('exact under concurrency: 30 simultaneous refunds of 5,000 against 50,000 execute exactly 10', async () => {
    const gw = await startPayments(`      create_refund:\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: server }\n`);
    try {
      const clients = await Promise.all([1, 2, 3].map(() => gw.connect('payments')));
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => refund(clients[i % 3], { amount: 5_000 })));
      assert.equal(results.filter((r) => !r.isError).length, 10);
      assert.equal(results.filter(isOverBudget).length, 20);
      assert.equal(executed(gw).length, 10);
      assert.equal(executed(gw).reduce((sum, e) => sum + e.amount, 0), 50_000);
    } finally {
      await gw.close();
    }
  });

  test('hostile amounts are refused with a reason, never reach the payments server, and are recorded', async () => {
    const gw = await startPayments(`      create_refund:\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: tool }\n      create_payout:\n        budget: { amount: 'args.amount + double("NaN")', max: 50000, window: 1d, scope: tool }\n`);
    try {
      const client = await gw.connect('payments');
      const hostile: Array<[Record<string, unknown>, RegExp]> = [
        [{}, /No such key: amount/],
        [{ amount: 'abc' }, /yielded the string "abc", not a number/],
        [{ amount: -5 }, /yielded -5, and an amount cannot be negative/],
        [{ amount: 1e308 * 10 }, /yielded (null|Infinity), not a (finite )?number/],
      ];
      for (const [args, reason] of hostile) {
        const result = await refund(client, args);
        assert.equal(result.isError, true, JSON.stringify(args));
        assert.equal(decisionOf(result)?.decision, 'deny');
        assert.equal(decisionOf(result)?.part, 'budget');
        assert.match(resultText(result), reason, JSON.stringify(args));
        assert.match(resultText(result), /must not be counted as nothing/);
      }
      const nan = await client.callTool({ name: 'create_payout', arguments: { amount: 5 } });
      assert.match(resultText(nan), /yielded NaN, not a number/);
      assert.deepEqual(executed(gw), [], 'the payments server executed nothing');
      await eventually(() => gw.decisions.filter((d) => d.decision.rule.part === 'budget').length === 5, 10_000, 'five refusals recorded');
    } finally {
      await gw.close();
    }
  });

  test('JSON-RPC 1e309 in the body arrives as a number too big to be finite, and is refused', async () => {
    const gw = await startPayments(`      create_refund:\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: tool }\n`);
    try {
      const init = await fetch(gw.url('payments'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
      });
      const session = init.headers.get('mcp-session-id')!;
      await init.text();
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
      await (await fetch(gw.url('payments'), { method: 'POST', headers, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' })).text();
      const response = await fetch(gw.url('payments'), { method: 'POST', headers, body: '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_refund","arguments":{"amount":1e309}}}' });
      const text = await response.text();
      assert.match(text, /yielded Infinity, not a finite number/);
      assert.deepEqual(executed(gw), []);
    } finally {
      await gw.close();
    }
  });

  test('an upstream failure gives the amount back (JSON-RPC error and isError by default; give_back_on narrows it)', async () => {
    const gw = await startPayments(
      `      "create_*":\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: server }\n      create_payout:\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: tool, give_back_on: [error] }\n`,
    );
    try {
      const client = await gw.connect('payments');
      // The fixture has no such tool: it answers a JSON-RPC error, after the budget reserved the amount.
      await assert.rejects(client.callTool({ name: 'create_chargeback', arguments: { amount: 50_000 } }), /create_chargeback not found/);
      const declined = await refund(client, { amount: 50_000, fail: 'tool_error' });
      assert.equal(resultText(declined), 'create_refund declined by the bank');
      assert.equal(resultText(await refund(client, { amount: 50_000 })), 'create_refund 50000 USD done', 'both failures gave their amounts back');
      assert.ok(isOverBudget(await refund(client, { amount: 1 })));

      const payout = (args: Record<string, unknown>) => client.callTool({ name: 'create_payout', arguments: args });
      assert.equal(resultText(await payout({ amount: 30_000, fail: 'tool_error' })), 'create_payout declined by the bank');
      const over = await payout({ amount: 30_000 });
      assert.ok(isOverBudget(over), 'give_back_on: [error] keeps the amount of an isError result');
      assert.equal((decisionOf(over)!.budget as { spent: number }).spent, 30_000);
      assert.deepEqual(executed(gw).map((e) => [e.tool, e.amount]), [['create_refund', 50_000]]);
    } finally {
      await gw.close();
    }
  });

  test('the window slides with the gateway clock (injected)', async () => {
    let now = Date.UTC(2026, 0, 1);
    const gw = await startPayments(`      create_refund:\n        budget: { amount: args.amount, max: 100, window: 1h, scope: tool }\n`, '', { now: () => now });
    try {
      const client = await gw.connect('payments');
      assert.ok(!(await refund(client, { amount: 60 })).isError);
      now += 30 * 60_000;
      assert.ok(!(await refund(client, { amount: 40 })).isError);
      const over = await refund(client, { amount: 50 });
      assert.match(resultText(over), /100 spent, this call 50, remaining 0; frees 60 in 30m$/);
      now += 30 * 60_000 - 1;
      assert.ok(isOverBudget(await refund(client, { amount: 50 })), 'one millisecond before the first refund leaves the window');
      now += 1;
      assert.ok(!(await refund(client, { amount: 50 })).isError);
      assert.deepEqual(executed(gw).map((e) => e.amount), [60, 40, 50]);
    } finally {
      await gw.close();
    }
  });

  test('scope agent: two agents have separate budgets, and a new session does not reset an agent\'s', async () => {
    const keys = { alice: 'alice-key-0123456789ab', bob: 'bob-key-0123456789abcd' };
    const gw = await startPayments(
      `      create_refund:\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: agent }\n`,
      `auth:\n  agents:\n    alice: { key: "${keys.alice}" }\n    bob: { key: "${keys.bob}" }\n`,
    );
    const clients = new Clients();
    try {
      const alice1 = await clients.as(gw.url('payments'), keys.alice);
      assert.ok(!(await refund(alice1.client, { amount: 40_000 })).isError);
      await alice1.close();
      const alice2 = await clients.as(gw.url('payments'), keys.alice);
      const again = await refund(alice2.client, { amount: 20_000 });
      assert.ok(isOverBudget(again), 'a new session of alice spends from the same budget');
      assert.match(resultText(again), /budget 50,000 per 1 day \(agent\): 40,000 spent, this call 20,000, remaining 10,000/);
      const bob = await clients.as(gw.url('payments'), keys.bob);
      assert.ok(!(await refund(bob.client, { amount: 50_000 })).isError, 'bob has his own budget');
      assert.deepEqual(executed(gw).map((e) => e.amount), [40_000, 50_000]);
    } finally {
      await clients.closeAll();
      await gw.close();
    }
  });

  test('a held call reserves its amount while it waits, and a refusal gives it back', async () => {
    const gw = await startPayments(`      create_refund:\n        action: require_approval\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: tool }\n      create_payout:\n        budget: { amount: args.amount, max: 50000, window: 1d, scope: server }\n`);
    try {
      const client = await gw.connect('payments');
      const held = refund(client, { amount: 30_000 });
      const [approval] = await eventually(async () => {
        const list = await gw.gateway.approvals!.list({ status: 'pending' });
        return list.length > 0 && list;
      }, 20_000, 'the refund to be held');
      const second = refund(client, { amount: 30_000 });
      const refusedWhileHeld = await eventually(() => gw.decisions.find((d) => d.decision.kind === 'over_budget'), 20_000, 'the second refund refused while the first is held');
      assert.equal((refusedWhileHeld.decision as { budget: { spent: number } }).budget.spent, 30_000);
      assert.ok(isOverBudget(await second));
      await gw.gateway.approvals!.refuse(approval.id, 'not today', 'test');
      assert.match(resultText(await held), /refused it: not today/);
      const third = refund(client, { amount: 50_000 });
      await eventually(async () => (await gw.gateway.approvals!.list({ status: 'pending' })).length > 0, 20_000, 'the third refund to be held');
      const [pending] = await gw.gateway.approvals!.list({ status: 'pending' });
      assert.equal(pending.arguments.amount, 50_000, 'the whole budget was free again: the refused hold gave its amount back');
      await gw.gateway.approvals!.approve(pending.id, { approver: 'test' });
      assert.equal(resultText(await third), 'create_refund 50000 USD done');
      assert.deepEqual(executed(gw).map((e) => e.amount), [50_000]);
    } finally {
      await gw.close();
    }
  });
});
