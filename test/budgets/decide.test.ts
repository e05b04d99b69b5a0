/**
 * Budgets through the policy and the gateway's decide step, in process, with the memory store and
 * an injected clock: what a call spends, when it is refused and what it reads, what comes back.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BudgetConfig, Mode } from '../../src/config/types.js';
import { ToolgateError } from '../../src/errors.js';
import { decide } from '../../src/gateway/decide.js';
import { failOpen } from '../../src/store/fail-open.js';
import { namedAgent, type Agent } from '../../src/identity/agent.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { decisionMeta, policyViolationText } from '../../src/policy/decide.js';
import type { BudgetState, Decision } from '../../src/policy/types.js';
import { MemoryRateLimitStore } from '../../src/store/memory-rate-limit-store.js';
import type { RateLimitStore } from '../../src/store/rate-limit-store.js';
import { call, config, limit, rule, server } from '../policy/builders.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

function budget(extra: Partial<BudgetConfig> = {}): BudgetConfig {
  return { amount: 'args.amount', max: 50_000, windowMs: DAY, scope: 'server', giveBackOn: ['error', 'tool_error'], ...extra };
}

function payments(extra: Partial<BudgetConfig> = {}, mode: Mode = 'enforce') {
  return compilePolicy(
    config(
      {
        srv: server({
          create_refund: rule('allow', { budget: budget(extra) }),
          '*_payout': rule('allow', { budget: budget({ amount: 'double(args.amount) * (args.currency == "EUR" ? 1.1 : 1.0)', max: 100_000, ...extra }) }),
          held_refund: rule('require_approval', { budget: budget(extra) }),
          limited_refund: rule('allow', { budget: budget({ max: 100, windowMs: MINUTE, ...extra }), rateLimit: limit(2, 60, 'tool') }),
        }),
      },
      { mode },
    ),
  );
}

function refund(amount: unknown, extra: { session?: string; tool?: string } = {}) {
  return call(extra.tool ?? 'create_refund', amount === undefined ? {} : { amount }, extra.session ? { session: extra.session } : {});
}

function budgetOf(decision: Decision): BudgetState | undefined {
  return 'budget' in decision ? decision.budget : undefined;
}

describe('budgets: deciding', () => {
  test('20,000 + 20,000 + 20,000 against 50,000: the third is refused with every number the agent needs', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments();
    const first = await decide(p, refund(20_000), store, T0);
    assert.equal(first.decision.kind, 'allow');
    assert.deepEqual(budgetOf(first.decision), { max: 50_000, windowMs: DAY, scope: 'server', amount: 20_000, spent: 0, remaining: 30_000 });
    assert.ok(first.reservation);
    assert.equal((await decide(p, refund(20_000), store, T0 + HOUR)).decision.kind, 'allow');
    const third = await decide(p, refund(20_000), store, T0 + 2 * HOUR);
    assert.equal(third.decision.kind, 'over_budget');
    assert.equal(third.reservation, undefined);
    assert.equal(
      policyViolationText(refund(20_000), third.decision),
      'Policy violation: tool "create_refund" on server "srv" was refused by rule "create_refund" (budget): ' +
        'budget 50,000 per 1 day (server): 40,000 spent, this call 20,000, remaining 10,000; frees 20,000 in 22h',
    );
    await store.close();
  });

  test('the issue\'s example, to the word: 42,000 spent, this call 20,000, remaining 8,000; frees 12,000 in 3h 10m — and the same facts in _meta', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments({ scope: 'tool' });
    await decide(p, refund(12_000), store, T0);
    await decide(p, refund(30_000), store, T0 + 10 * HOUR);
    const now = T0 + DAY - (3 * HOUR + 10 * MINUTE);
    const { decision } = await decide(p, refund(20_000), store, now);
    const text = policyViolationText(refund(20_000), decision);
    assert.equal(text, 'Policy violation: tool "create_refund" on server "srv" was refused by rule "create_refund" (budget): budget 50,000 per 1 day (tool): 42,000 spent, this call 20,000, remaining 8,000; frees 12,000 in 3h 10m');
    const meta = decisionMeta(refund(20_000), decision, p.revision);
    assert.equal(meta.decision, 'over_budget');
    assert.equal(meta.part, 'budget');
    assert.deepEqual(meta.budget, { max: 50_000, scope: 'tool', amount: 20_000, spent: 42_000, remaining: 8_000, freesAmount: 12_000, windowSeconds: 86_400, retryAfterSeconds: 3 * 3600 + 600 });
    await store.close();
  });

  test('the window slides: an amount frees itself exactly one window after it was spent', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments();
    await decide(p, refund(30_000), store, T0);
    await decide(p, refund(20_000), store, T0 + HOUR);
    assert.equal((await decide(p, refund(1), store, T0 + DAY - 1)).decision.kind, 'over_budget');
    const freed = await decide(p, refund(30_000), store, T0 + DAY);
    assert.deepEqual(budgetOf(freed.decision), { max: 50_000, windowMs: DAY, scope: 'server', amount: 30_000, spent: 20_000, remaining: 0 });
    await store.close();
  });

  test('exact under concurrency: 30 simultaneous calls of 5,000 against 50,000 admit exactly 10', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments();
    const results = await Promise.all(Array.from({ length: 30 }, () => decide(p, refund(5_000), store, T0)));
    assert.equal(results.filter((r) => r.decision.kind === 'allow').length, 10);
    assert.equal(results.filter((r) => r.decision.kind === 'over_budget').length, 20);
    await store.close();
  });

  test('hostile amounts are refused with a reason and count nothing (fail closed, never zero)', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments();
    const table: Array<[label: string, amount: unknown, problem: RegExp]> = [
      ['missing', undefined, /No such key: amount/],
      ['a string', 'abc', /yielded the string "abc", not a number/],
      ['a numeric string', '5000', /yielded the string "5000", not a number/],
      ['negative', -5, /yielded -5, and an amount cannot be negative/],
      ['1e309 (Infinity once parsed)', JSON.parse('1e309'), /yielded Infinity, not a finite number/],
      ['NaN', Number.NaN, /yielded NaN, not a number/],
      ['null', null, /yielded null, not a number/],
      ['a list', [1, 2], /yielded a value of type list, not a number/],
      ['a boolean', true, /yielded a value of type boolean, not a number/],
    ];
    for (const [label, amount, problem] of table) {
      const { decision, reservation } = await decide(p, refund(amount), store, T0);
      assert.equal(decision.kind, 'deny', label);
      assert.deepEqual(decision.rule, { pattern: 'create_refund', part: 'budget' }, label);
      assert.match((decision as { reason: string }).reason, problem, label);
      assert.match((decision as { reason: string }).reason, /^Rule "create_refund" budget amount \(args\.amount\) could not be read: .*must not be counted as nothing/, label);
      assert.equal(reservation, undefined, label);
    }
    const nan = compilePolicy(config({ srv: server({ t: rule('allow', { budget: budget({ amount: 'double("NaN")' }) }) }) }));
    assert.match(((await decide(nan, call('t'), store, T0)).decision as { reason: string }).reason, /yielded NaN/);
    const huge = compilePolicy(config({ srv: server({ t: rule('allow', { budget: budget({ amount: '1.0 / 0.0' }) }) }) }));
    assert.match(((await decide(huge, call('t'), store, T0)).decision as { reason: string }).reason, /yielded Infinity, not a finite number/);
    const fits = await decide(p, refund(50_000), store, T0);
    assert.deepEqual(budgetOf(fits.decision)?.spent, 0, 'nothing was counted for the refused calls');
    await store.close();
  });

  test('an amount above max can never pass, and says so', async () => {
    const store = new MemoryRateLimitStore();
    const { decision } = await decide(payments(), refund(60_000), store, T0);
    assert.equal(decision.kind, 'over_budget');
    assert.match(policyViolationText(refund(60_000), decision), /budget 50,000 per 1 day \(server\): 0 spent, this call 60,000, more than the whole budget: it can never pass; split it into calls of at most 50,000$/);
    await store.close();
  });

  test('an amount of 0 spends nothing and passes, even on a spent budget', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments();
    await decide(p, refund(50_000), store, T0);
    const zero = await decide(p, refund(0), store, T0 + 1);
    assert.equal(zero.decision.kind, 'allow');
    assert.deepEqual(budgetOf(zero.decision), { max: 50_000, windowMs: DAY, scope: 'server', amount: 0 });
    assert.equal(zero.reservation, undefined);
    await store.close();
  });

  test('an expression amount: EUR payouts count 1.1 times, and a glob rule shares one budget across its tools', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments();
    const eur = await decide(p, call('bank_payout', { amount: 50_000, currency: 'EUR' }), store, T0);
    assert.equal(budgetOf(eur.decision)?.amount, 55_000.00000000001);
    const usd = await decide(p, call('card_payout', { amount: 45_000, currency: 'USD' }), store, T0);
    assert.equal(usd.decision.kind, 'allow');
    const over = await decide(p, call('bank_payout', { amount: 1, currency: 'USD' }), store, T0);
    assert.equal(over.decision.kind, 'over_budget');
    assert.match((over.decision as { reason: string }).reason, /budget 100,000 per 1 day \(server\): 100,000 spent, this call 1, remaining 0/);
    await store.close();
  });

  test('scopes: sessions and tools have budgets of their own where the scope says so', async () => {
    const store = new MemoryRateLimitStore();
    const bySession = payments({ scope: 'session' });
    assert.equal((await decide(bySession, refund(50_000, { session: 'a' }), store, T0)).decision.kind, 'allow');
    assert.equal((await decide(bySession, refund(1, { session: 'a' }), store, T0)).decision.kind, 'over_budget');
    assert.equal((await decide(bySession, refund(50_000, { session: 'b' }), store, T0)).decision.kind, 'allow');
    const global = payments({ scope: 'global' });
    assert.equal((await decide(global, refund(50_000, { session: 'c' }), store, T0)).decision.kind, 'allow');
    assert.equal((await decide(global, refund(1, { session: 'd' }), store, T0)).decision.kind, 'over_budget');
    await store.close();
  });

  test('scope agent: each verified agent has its own budget, and a new session does not reset it', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments({ scope: 'agent' });
    const alice = namedAgent('alice', [], 'api_key');
    const bob = namedAgent('bob', [], 'api_key');
    const as = (agent: Agent, session: string, amount: number) => ({ ...refund(amount, { session }), agent });
    assert.equal((await decide(p, as(alice, 's1', 30_000), store, T0)).decision.kind, 'allow');
    const again = await decide(p, as(alice, 's2', 30_000), store, T0 + 1);
    assert.equal(again.decision.kind, 'over_budget', 'a new session of the same agent spends from the same budget');
    assert.match((again.decision as { reason: string }).reason, /^budget 50,000 per 1 day \(agent\): 30,000 spent, this call 30,000, remaining 20,000; frees 30,000 in 1d$/);
    assert.equal((await decide(p, as(bob, 's1', 50_000), store, T0 + 2)).decision.kind, 'allow', 'another agent has a budget of its own');
    // Callers with no verified agent share one budget: reconnecting cannot reset it either.
    assert.equal((await decide(p, refund(50_000, { session: 'x' }), store, T0 + 3)).decision.kind, 'allow');
    assert.equal((await decide(p, refund(1, { session: 'y' }), store, T0 + 4)).decision.kind, 'over_budget');
    await store.close();
  });

  test('the amount expression can read the agent', async () => {
    const store = new MemoryRateLimitStore();
    const p = compilePolicy(config({ srv: server({ t: rule('allow', { budget: budget({ amount: 'agent.id == "vip" ? 0.0 : double(args.amount)', scope: 'agent' }) }) }) }));
    const vip = await decide(p, { ...call('t', { amount: 70_000 }), agent: namedAgent('vip', [], 'api_key') }, store, T0);
    assert.equal(budgetOf(vip.decision)?.amount, 0);
    const other = await decide(p, { ...call('t', { amount: 70_000 }), agent: namedAgent('other', [], 'api_key') }, store, T0);
    assert.equal(other.decision.kind, 'over_budget');
    await store.close();
  });

  test('order with rate_limit: a rate-limited call spends nothing; a call over budget gives its rate-limit slot back', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments();
    assert.equal((await decide(p, refund(90, { tool: 'limited_refund' }), store, T0)).decision.kind, 'allow');
    const over = await decide(p, refund(20, { tool: 'limited_refund' }), store, T0 + 1);
    assert.equal(over.decision.kind, 'over_budget');
    // Had the refused call kept its slot, this second admitted call would be rate limited.
    const second = await decide(p, refund(10, { tool: 'limited_refund' }), store, T0 + 2);
    assert.equal(second.decision.kind, 'allow');
    const limited = await decide(p, refund(0.5, { tool: 'limited_refund' }), store, T0 + 3);
    assert.equal(limited.decision.kind, 'rate_limited');
    const after = await decide(p, refund(0.5, { tool: 'limited_refund' }), store, T0 + MINUTE);
    assert.equal(budgetOf(after.decision)?.spent, 10, 'the rate-limited call spent nothing; the first 90 left the window');
    await store.close();
  });

  test('a held call reserves its amount while it waits; not forwarded (refused, expired), it comes back', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments();
    const held = await decide(p, refund(30_000, { tool: 'held_refund' }), store, T0);
    assert.equal(held.decision.kind, 'hold');
    assert.equal(budgetOf(held.decision)?.remaining, 20_000);
    assert.equal((await decide(p, refund(30_000, { tool: 'held_refund' }), store, T0 + 1)).decision.kind, 'over_budget', 'the held amount is reserved');
    await held.reservation!.end('not_forwarded');
    assert.equal((await decide(p, refund(30_000, { tool: 'held_refund' }), store, T0 + 2)).decision.kind, 'hold');
    await store.close();
  });

  test('give_back_on: which upstream failures give the amount back; no answer keeps it', async () => {
    const cases: Array<[giveBackOn: BudgetConfig['giveBackOn'], end: 'error' | 'tool_error' | 'timed_out' | 'upstream_lost', givesBack: boolean]> = [
      [['error', 'tool_error'], 'error', true],
      [['error', 'tool_error'], 'tool_error', true],
      [['error'], 'tool_error', false],
      [['tool_error'], 'error', false],
      [[], 'error', false],
      [['error', 'tool_error'], 'timed_out', false],
      [['error', 'tool_error'], 'upstream_lost', false],
    ];
    for (const [giveBackOn, end, givesBack] of cases) {
      const store = new MemoryRateLimitStore();
      const p = payments({ giveBackOn });
      const { reservation } = await decide(p, refund(50_000), store, T0);
      await reservation!.end(end);
      await reservation!.end('error'); // a call ends once: a second end gives nothing more back
      const next = await decide(p, refund(50_000), store, T0 + 1);
      assert.equal(next.decision.kind, givesBack ? 'allow' : 'over_budget', `${JSON.stringify(giveBackOn)} on ${end}`);
      await store.close();
    }
  });

  test('monitor mode measures spend exactly as enforcement would, and forwards', async () => {
    const store = new MemoryRateLimitStore();
    const p = payments({}, 'monitor');
    await decide(p, refund(40_000), store, T0);
    const over = await decide(p, refund(20_000), store, T0 + 1);
    assert.equal(over.decision.kind, 'over_budget');
    assert.equal(over.decision.mode, 'monitor');
    assert.equal(budgetOf((await decide(p, refund(10_000), store, T0 + 2)).decision)?.spent, 40_000, 'the refused amount was not counted');
    await store.close();
  });

  test('state.on_unavailable: open lifts rate limits while the store is away, never budgets', async () => {
    const down: RateLimitStore = {
      take: () => Promise.reject(new ToolgateError('store_error', 'Redis is unreachable')),
      close: async () => {},
    };
    const open = failOpen(down);
    const p = payments();
    const budgeted = await decide(p, refund(10), open, T0);
    assert.equal(budgeted.decision.kind, 'deny');
    assert.match((budgeted.decision as { reason: string }).reason, /^The budget could not be checked because the budget store failed \(Redis is unreachable\)/);
    assert.equal((await open.take('rl:tool:["srv","x","x"]', 1, MINUTE, T0)).allowed, true, 'a rate limit is forwarded uncounted');
    await assert.rejects(open.take('bg:tool:["srv","x","x"]', 100, MINUTE, T0, 5), /Redis is unreachable/);
  });

  test('a failing store refuses the call (fail closed) and gives back the rate-limit slot already taken', async () => {
    const inner = new MemoryRateLimitStore();
    const failing: RateLimitStore = {
      take: (key, max, windowMs, nowMs, amount) => (key.startsWith('bg:') ? Promise.reject(new Error('connection refused')) : inner.take(key, max, windowMs, nowMs, amount)),
      close: () => inner.close(),
    };
    const p = payments();
    const { decision, reservation } = await decide(p, refund(10, { tool: 'limited_refund' }), failing, T0);
    assert.equal(decision.kind, 'deny');
    assert.deepEqual(decision.rule, { pattern: 'limited_refund', part: 'budget' });
    assert.match((decision as { reason: string }).reason, /^The budget could not be checked because the budget store failed \(connection refused\), so the call is refused\.$/);
    assert.equal(reservation, undefined);
    const slots = await Promise.all([1, 2, 3].map((i) => inner.take('rl:tool:["srv","limited_refund","limited_refund"]', 2, MINUTE, T0 + i)));
    assert.deepEqual(slots.map((s) => s.allowed), [true, true, false], 'the failed call holds no rate-limit slot');
    await failing.close();
  });
});
