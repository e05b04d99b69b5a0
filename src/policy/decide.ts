/**
 * What a verdict becomes once its counters are read: the Decision, and how it reads for the agent
 * (`policyViolationText`) and for machines (`decisionMeta`). Pure: the gateway takes the rate
 * limit and the budget from the store (src/gateway/decide.ts) and hands the numbers here.
 */
import type { Mode } from '../config/types.js';
import type { BudgetCheck, BudgetState, Decision, RateLimitCheck, RateLimitState, RuleRef, ToolCall, Verdict } from './types.js';

/** What the store said of one take. */
export interface Counted {
  allowed: boolean;
  spent: number;
  remaining: number;
  retryAfterMs: number;
  freesAmount: number;
}

/** A verdict that refuses on its own, as a decision in `mode`. */
export function refusal(verdict: Exclude<Verdict, { kind: 'allow' | 'hold' }>, mode: Mode): Decision {
  switch (verdict.kind) {
    case 'deny':
      return { kind: 'deny', rule: verdict.rule, mode, reason: verdict.reason };
    case 'hide':
      return { kind: 'hide', rule: verdict.rule, mode };
    case 'invalid':
      return { kind: 'invalid', rule: verdict.rule, mode, reason: verdict.reason, issues: verdict.issues };
  }
}

/** A verdict that passed its counters: allowed or held, carrying what they said. */
export function passed(verdict: Extract<Verdict, { kind: 'allow' | 'hold' }>, mode: Mode, rateLimit?: RateLimitState, budget?: BudgetState): Decision {
  const counters = { ...(rateLimit ? { rateLimit } : {}), ...(budget ? { budget } : {}) };
  return verdict.kind === 'hold'
    ? { kind: 'hold', rule: verdict.rule, mode, approval: verdict.approval, ...counters }
    : { kind: 'allow', rule: verdict.rule, mode, ...counters };
}

export function rateLimitState(limit: RateLimitCheck, counted: Counted): RateLimitState {
  return { max: limit.max, windowMs: limit.windowMs, scope: limit.scope, remaining: counted.remaining, retryAfterMs: counted.allowed ? 0 : counted.retryAfterMs };
}

export function rateLimited(limit: RateLimitCheck, state: RateLimitState, mode: Mode): Decision {
  const reason = `Rate limit exceeded: ${limitText(state)}; retry in ${retryAfterSeconds(state.retryAfterMs)}s`;
  return { kind: 'rate_limited', rule: limit.rule, mode, reason, rateLimit: state };
}

/** The budget as this call found it; without `counted` (an amount of 0, nothing taken) only the rule's numbers. */
export function budgetState(check: BudgetCheck, counted?: Counted): BudgetState {
  const state: BudgetState = { max: check.max, windowMs: check.windowMs, scope: check.scope, amount: check.amount };
  if (counted === undefined) return state;
  state.spent = counted.spent;
  state.remaining = counted.remaining;
  if (!counted.allowed) {
    state.retryAfterMs = counted.retryAfterMs;
    state.freesAmount = counted.freesAmount;
  }
  return state;
}

/**
 * `budget 50,000 per 1 day (agent): 42,000 spent, this call 20,000, remaining 8,000; frees 12,000
 * in 3h 10m`: every number the agent (or a person reading the transcript) needs to decide what to do.
 */
export function overBudget(check: BudgetCheck, state: BudgetState, mode: Mode): Decision {
  const head = `budget ${amountText(state.max)} per ${windowText(state.windowMs)} (${state.scope}): ${amountText(state.spent ?? 0)} spent, this call ${amountText(state.amount)}`;
  const reason =
    state.amount > state.max
      ? `${head}, more than the whole budget: it can never pass; split it into calls of at most ${amountText(state.max)}`
      : `${head}, remaining ${amountText(state.remaining ?? 0)}; frees ${amountText(state.freesAmount ?? 0)} in ${durationText(state.retryAfterMs ?? 0)}`;
  return { kind: 'over_budget', rule: check.rule, mode, reason, budget: state };
}

/** A store that fails refuses the call: a broken counter must not lift the limit. The error stays in the reason for the audit. */
export function counterFailed(rule: RuleRef, what: 'rate limit' | 'budget', mode: Mode, error: unknown): Decision {
  const message = error instanceof Error ? error.message : String(error);
  const store = what === 'rate limit' ? 'rate-limit store' : 'budget store';
  return { kind: 'deny', rule, mode, reason: `The ${what} could not be checked because the ${store} failed (${message}), so the call is refused.` };
}

/**
 * The text the agent reads when a call is refused (the gateway returns it as the tool result's
 * error content). It names the tool, the rule and the reason, so a person reading the
 * transcript can find the rule to change.
 */
export function policyViolationText(call: ToolCall, decision: Decision): string {
  const where = `tool "${call.tool}" on server "${call.server}"`;
  const by = ruleText(decision.rule);
  switch (decision.kind) {
    case 'deny':
      return `Policy violation: ${where} was denied by ${by}: ${decision.reason}`;
    case 'invalid':
    case 'over_budget':
      return `Policy violation: ${where} was refused by ${by}: ${decision.reason}`;
    case 'hide':
      return `Policy violation: ${where} is not available; it is hidden by ${by}.`;
    case 'rate_limited':
      return (
        `Policy violation: ${where} was refused by ${by}: Rate limit exceeded: ${limitText(decision.rateLimit)}; ` +
        `retry in ${plural(retryAfterSeconds(decision.rateLimit.retryAfterMs), 'second')}.`
      );
    case 'allow':
      // Only monitor-mode callers ask about allowed calls; say so rather than invent a violation.
      return `Policy violation: none; ${where} is allowed by ${by}.`;
    case 'hold':
      return `Policy violation: ${where} needs a person's approval by ${by}; it was not approved.`;
  }
}

/** The machine-readable facts for `_meta["toolgate/decision"]` and the audit log. */
export function decisionMeta(call: ToolCall, decision: Decision, policyRevision: string): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    decision: decision.kind,
    server: call.server,
    tool: call.tool,
    rule: decision.rule.pattern,
    part: decision.rule.part,
    mode: decision.mode,
    policyRevision,
  };
  if ('reason' in decision) meta.reason = decision.reason;
  if ('issues' in decision) meta.issues = decision.issues.map((i) => ({ path: i.path, message: i.message }));
  const limit = decision.kind === 'allow' || decision.kind === 'rate_limited' ? decision.rateLimit : undefined;
  if (limit) {
    meta.limit = { max: limit.max, windowSeconds: limit.windowMs / 1000, scope: limit.scope, remaining: limit.remaining };
    if (decision.kind === 'rate_limited') meta.retryAfterSeconds = retryAfterSeconds(limit.retryAfterMs);
  }
  const budget = 'budget' in decision ? decision.budget : undefined;
  if (budget) meta.budget = budgetMeta(budget);
  return meta;
}

function budgetMeta(state: BudgetState): Record<string, unknown> {
  const { retryAfterMs, windowMs, ...numbers } = state;
  return {
    ...numbers,
    windowSeconds: windowMs / 1000,
    ...(retryAfterMs === undefined ? {} : { retryAfterSeconds: retryAfterSeconds(retryAfterMs) }),
  };
}

function ruleText(rule: RuleRef): string {
  if (rule.part === 'default') return `the server's default policy (default)`;
  if (rule.category !== undefined) return `the ${rule.category} category default (${rule.part})`;
  if (rule.part === 'category') return 'the category defaults (category)';
  return `rule "${rule.pattern}" (${rule.part})`;
}

function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** `10 calls per 60s (scope session)`; whole hours and days are written as such. */
function limitText(state: RateLimitState): string {
  return `${plural(state.max, 'call')} per ${shortWindowText(state.windowMs)} (scope ${state.scope})`;
}

function shortWindowText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

const UNITS: ReadonlyArray<[ms: number, name: string]> = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];

/** `1 day`, `12 hours`, `90 seconds`: the largest unit the window is a whole number of. */
function windowText(ms: number): string {
  for (const [unit, name] of UNITS) if (ms % unit === 0) return plural(ms / unit, name);
  return `${ms} ms`;
}

/** `3h 10m`, `2d 4h`, `45s`: two units at most, rounded up so the wait is never understated. */
function durationText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return pair(seconds, 60, 'm', 's');
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 24 * 60) return pair(minutes, 60, 'h', 'm');
  return pair(Math.ceil(minutes / 60), 24, 'd', 'h');
}

function pair(small: number, per: number, big: string, little: string): string {
  const whole = Math.floor(small / per);
  const rest = small % per;
  return rest === 0 ? `${whole}${big}` : `${whole}${big} ${rest}${little}`;
}

const AMOUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** `50,000`; fractions to four places, enough for currencies and rates. */
function amountText(n: number): string {
  return AMOUNT.format(n);
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
