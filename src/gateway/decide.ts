/**
 * The one place a policy verdict meets the counters. The policy is pure (src/policy); this takes
 * the verdict's rate limit, then its budget, from the store, and hands the numbers back to the
 * policy's pure builders for the Decision.
 *
 * Order: a call the rate limit refuses spends nothing of its budget; a call its budget refuses
 * gives its rate-limit slot back (refused calls are not counted). Both are taken before a held
 * call waits, so a held call's amount is reserved while it waits and comes back if it is refused,
 * expires or is abandoned.
 *
 * Monitor mode still takes from the store, so spend is measured exactly as enforcement would
 * count it and `rate_limited` / `over_budget` show up in the audit when they would have
 * happened; a refused take adds nothing, so monitoring never consumes more than enforcement would.
 *
 * A store that fails refuses the call (`deny`, part `rate_limit` or `budget`, the error in the
 * reason): a broken counter must not lift the limit.
 */
import type { ToolDefinition } from '../catalog/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { budgetState, counterFailed, overBudget, passed, rateLimited, rateLimitState, refusal } from '../policy/decide.js';
import type { BudgetState, Decision, RateLimitState, ToolCall } from '../policy/types.js';
import type { RateLimitStore, RateLimitTake } from '../store/rate-limit-store.js';
import { Reservation } from './reservation.js';

export interface DecideResult {
  decision: Decision;
  /** Present when counters were taken: end it with how the call ended, to give back what that end gives back. */
  reservation?: Reservation;
}

export async function decide(
  policy: CompiledPolicy,
  call: ToolCall,
  store: RateLimitStore,
  nowMs: number,
  definition?: ToolDefinition,
): Promise<DecideResult> {
  const verdict = policy.evaluate(call, definition);
  const mode = policy.modeFor(call.server);
  if (verdict.kind !== 'allow' && verdict.kind !== 'hold') return { decision: refusal(verdict, mode) };
  const reservation = new Reservation();

  let rateLimit: RateLimitState | undefined;
  const limit = verdict.rateLimit;
  if (limit !== undefined) {
    let taken: RateLimitTake;
    try {
      taken = await store.take(limit.key, limit.max, limit.windowMs, nowMs);
    } catch (error) {
      return { decision: counterFailed(limit.rule, 'rate limit', mode, error) };
    }
    rateLimit = rateLimitState(limit, taken);
    if (!taken.allowed) return { decision: rateLimited(limit, rateLimit, mode) };
    reservation.addRateLimit(taken.undo);
  }

  let budget: BudgetState | undefined;
  const check = verdict.budget;
  if (check !== undefined && check.amount === 0) budget = budgetState(check);
  else if (check !== undefined) {
    let taken: RateLimitTake;
    try {
      taken = await store.take(check.key, check.max, check.windowMs, nowMs, check.amount);
    } catch (error) {
      await reservation.end('not_forwarded');
      return { decision: counterFailed(check.rule, 'budget', mode, error) };
    }
    budget = budgetState(check, taken);
    if (!taken.allowed) {
      await reservation.end('not_forwarded');
      return { decision: overBudget(check, budget, mode) };
    }
    reservation.addBudget(taken.undo, check.giveBackOn);
  }
  return { decision: passed(verdict, mode, rateLimit, budget), ...(reservation.empty ? {} : { reservation }) };
}
