/**
 * The one place a policy verdict meets the rate-limit store. Everything else in this folder is
 * synchronous and pure; this adds the single awaited step and shapes the outcome for the agent
 * (`policyViolationText`) and for machines (`decisionMeta`).
 */
import type { ToolDefinition } from '../catalog/types.js';
import type { RateLimitStore, RateLimitTake } from '../store/rate-limit-store.js';
import type { CompiledPolicy } from './compile.js';
import type { Decision, RateLimitState, RuleRef, ToolCall } from './types.js';

export interface DecideResult {
  decision: Decision;
  /** Present when a rate-limit slot was taken: run it if the upstream call fails before it ran. */
  undo?: () => Promise<void>;
}

/**
 * Evaluates the call, then takes its rate limit, if any. `mode` comes from the server (else the
 * top level); in `monitor` mode the decision still says what enforcement WOULD do, and the caller
 * forwards anyway.
 *
 * Monitor mode still takes from the store, so budgets are measured exactly as enforcement would
 * count them and `rate_limited` shows up in the audit when it would have happened; a refused take
 * adds nothing, so monitoring never consumes more than enforcement would.
 *
 * A store that fails refuses the call (`deny`, part `rate_limit`, the error in the reason): a
 * broken counter must not lift the limit, and the error is kept in the decision for the audit.
 */
export async function decide(
  policy: CompiledPolicy,
  call: ToolCall,
  store: RateLimitStore,
  nowMs: number,
  definition?: ToolDefinition,
): Promise<DecideResult> {
  const verdict = policy.evaluate(call, definition);
  const mode = policy.modeFor(call.server);
  switch (verdict.kind) {
    case 'deny':
      return { decision: { kind: 'deny', rule: verdict.rule, mode, reason: verdict.reason } };
    case 'hide':
      return { decision: { kind: 'hide', rule: verdict.rule, mode } };
    case 'invalid':
      return { decision: { kind: 'invalid', rule: verdict.rule, mode, reason: verdict.reason, issues: verdict.issues } };
    case 'allow':
    case 'hold':
      break;
  }
  const passed = (rateLimit?: RateLimitState): Decision =>
    verdict.kind === 'hold'
      ? { kind: 'hold', rule: verdict.rule, mode, approval: verdict.approval, ...(rateLimit ? { rateLimit } : {}) }
      : { kind: 'allow', rule: verdict.rule, mode, ...(rateLimit ? { rateLimit } : {}) };
  const limit = verdict.rateLimit;
  if (limit === undefined) return { decision: passed() };
  let taken: RateLimitTake;
  try {
    taken = await store.take(limit.key, limit.max, limit.windowMs, nowMs);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const reason = `The rate limit could not be checked because the rate-limit store failed (${message}), so the call is refused.`;
    return { decision: { kind: 'deny', rule: limit.rule, mode, reason } };
  }
  const state: RateLimitState = {
    max: limit.max,
    windowMs: limit.windowMs,
    scope: limit.scope,
    remaining: taken.remaining,
    retryAfterMs: taken.allowed ? 0 : taken.retryAfterMs,
  };
  if (taken.allowed) return { decision: passed(state), undo: taken.undo };
  const reason = `Rate limit exceeded: ${limitText(state)}; retry in ${retryAfterSeconds(state)}s`;
  return { decision: { kind: 'rate_limited', rule: limit.rule, mode, reason, rateLimit: state } };
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
      return `Policy violation: ${where} was refused by ${by}: ${decision.reason}`;
    case 'hide':
      return `Policy violation: ${where} is not available; it is hidden by ${by}.`;
    case 'rate_limited':
      return (
        `Policy violation: ${where} was refused by ${by}: Rate limit exceeded: ${limitText(decision.rateLimit)}; ` +
        `retry in ${plural(retryAfterSeconds(decision.rateLimit), 'second')}.`
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
    if (decision.kind === 'rate_limited') meta.retryAfterSeconds = retryAfterSeconds(limit);
  }
  return meta;
}

function ruleText(rule: RuleRef): string {
  if (rule.part === 'default') return `the server's default policy (default)`;
  if (rule.category !== undefined) return `the ${rule.category} category default (${rule.part})`;
  if (rule.part === 'category') return 'the category defaults (category)';
  return `rule "${rule.pattern}" (${rule.part})`;
}

function retryAfterSeconds(state: RateLimitState): number {
  return Math.max(1, Math.ceil(state.retryAfterMs / 1000));
}

/** `10 calls per 60s (scope session)`; whole hours and days are written as such. */
function limitText(state: RateLimitState): string {
  return `${plural(state.max, 'call')} per ${windowText(state.windowMs)} (scope ${state.scope})`;
}

function windowText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
