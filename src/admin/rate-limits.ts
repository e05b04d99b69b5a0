/**
 * Rate-limit and budget use for the dashboard: the store's live keys turned back into the names
 * they were built from (src/policy/rate-limit-key.ts): `rl:<scope>:<JSON array>` for rate limits,
 * `bg:<scope>:<JSON array>` for budgets.
 */
import type { BudgetScope, RateLimitScope } from '../config/types.js';
import type { RateLimitUsage } from '../store/rate-limit-store.js';

export interface RateLimitRow {
  /** `rate_limit`: `used` counts calls. `budget`: `used` is the amount spent. */
  kind: 'rate_limit' | 'budget';
  scope: RateLimitScope | BudgetScope;
  /** Absent for `global`, whose budget spans servers. */
  server?: string;
  /** The rule pattern that set the limit. */
  rule: string;
  /** Absent for `server` and `global`, whose budget spans the rule's tools. */
  tool?: string;
  /** Only for `session`: the agent session (`anonymous` for clients without one). */
  session?: string;
  /** Only for `agent` and `agent_server`: the verified agent (`anonymous` for callers without one). */
  agent?: string;
  used: number;
  max: number;
  windowMs: number;
  /** Seconds until a slot frees (the oldest counted call leaves the window). */
  nextFreeInS: number;
  /** What frees then: one call for a rate limit, the oldest amount for a budget. */
  nextFreeAmount: number;
  /** Seconds until the budget is whole again. */
  resetsInS: number;
}

export function rateLimitRows(usage: readonly RateLimitUsage[]): RateLimitRow[] {
  const rows: RateLimitRow[] = [];
  for (const u of usage) {
    const parsed = parseKey(u.key) ?? parseBudgetKey(u.key);
    if (!parsed) continue;
    rows.push({
      ...parsed,
      used: u.used,
      max: u.max,
      windowMs: u.windowMs,
      nextFreeInS: Math.max(0, Math.ceil(u.nextFreeInMs / 1000)),
      nextFreeAmount: u.nextFreeAmount,
      resetsInS: Math.max(0, Math.ceil(u.resetsInMs / 1000)),
    });
  }
  // Fullest first: what the reader wants to know is what is about to be refused.
  return rows.sort((a, b) => b.used / b.max - a.used / a.max || (a.server ?? '').localeCompare(b.server ?? '') || (a.tool ?? '').localeCompare(b.tool ?? ''));
}

type Names = Pick<RateLimitRow, 'kind' | 'scope' | 'server' | 'rule' | 'tool' | 'session' | 'agent'>;

type Name = 'server' | 'rule' | 'tool' | 'session' | 'agent';

/** What each part of a key's JSON array names, by scope (the order src/policy/rate-limit-key.ts builds them in). */
const RATE_LIMIT_PARTS: Record<RateLimitScope, readonly Name[]> = {
  session: ['server', 'rule', 'tool', 'session'],
  tool: ['server', 'rule', 'tool'],
  server: ['server', 'rule'],
  global: ['rule'],
  agent: ['server', 'rule', 'tool', 'agent'],
  agent_server: ['server', 'rule', 'agent'],
};
const BUDGET_PARTS: Record<BudgetScope, readonly Name[]> = {
  agent: ['server', 'rule', 'agent'],
  session: ['server', 'rule', 'session'],
  tool: ['server', 'rule', 'tool'],
  server: ['server', 'rule'],
  global: ['rule'],
};
const RATE_LIMIT_KEY = keyPattern('rl', RATE_LIMIT_PARTS);
const BUDGET_KEY = keyPattern('bg', BUDGET_PARTS);

/** A rate-limit key (`rateLimitKey`) read back into its names. */
export function parseKey(key: string): Names | undefined {
  return namesOf(key, RATE_LIMIT_KEY, 'rate_limit', RATE_LIMIT_PARTS);
}

/** A budget key (`budgetKey`) read back into its names. */
export function parseBudgetKey(key: string): Names | undefined {
  return namesOf(key, BUDGET_KEY, 'budget', BUDGET_PARTS);
}

/** `<prefix>:<scope>:<JSON array>` for the scopes of `parts`. */
function keyPattern(prefix: string, parts: Record<string, readonly Name[]>): RegExp {
  return new RegExp(`^${prefix}:(${Object.keys(parts).join('|')}):(\\[.*\\])$`);
}

/** The names a key was built from, or undefined when it is not a key of this kind (or has the wrong number of parts). */
function namesOf<S extends RateLimitScope | BudgetScope>(key: string, pattern: RegExp, kind: Names['kind'], partsByScope: Record<S, readonly Name[]>): Names | undefined {
  const match = pattern.exec(key);
  if (!match) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(match[2]);
  } catch {
    return undefined;
  }
  const scope = match[1] as S;
  const names = partsByScope[scope];
  if (!Array.isArray(parts) || parts.length !== names.length || !parts.every((p) => typeof p === 'string')) return undefined;
  const row: Names = { kind, scope, rule: '' };
  names.forEach((name, i) => {
    row[name] = parts[i] as string;
  });
  return row;
}
