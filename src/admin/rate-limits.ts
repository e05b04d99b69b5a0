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

/** The string parts of a key `<prefix>:<scope>:<JSON array>`, or undefined when it is not one. */
function keyParts(key: string, prefix: string, scopes: string): { scope: string; parts: string[] } | undefined {
  const match = new RegExp(`^${prefix}:(${scopes}):(\\[.*\\])$`).exec(key);
  if (!match) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(match[2]);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || !parts.every((p) => typeof p === 'string')) return undefined;
  return { scope: match[1], parts: parts as string[] };
}

export function parseKey(key: string): Names | undefined {
  const found = keyParts(key, 'rl', 'session|tool|server|global|agent|agent_server');
  if (!found) return undefined;
  const { parts } = found;
  const [a, b, c, d] = parts;
  const kind = 'rate_limit';
  switch (found.scope as RateLimitScope) {
    case 'session':
      return parts.length === 4 ? { kind, scope: 'session', server: a, rule: b, tool: c, session: d } : undefined;
    case 'tool':
      return parts.length === 3 ? { kind, scope: 'tool', server: a, rule: b, tool: c } : undefined;
    case 'server':
      return parts.length === 2 ? { kind, scope: 'server', server: a, rule: b } : undefined;
    case 'global':
      return parts.length === 1 ? { kind, scope: 'global', rule: a } : undefined;
    case 'agent':
      return parts.length === 4 ? { kind, scope: 'agent', server: a, rule: b, tool: c, agent: d } : undefined;
    case 'agent_server':
      return parts.length === 3 ? { kind, scope: 'agent_server', server: a, rule: b, agent: c } : undefined;
  }
}

/** A budget key (`budgetKey`) read back into its names. */
export function parseBudgetKey(key: string): Names | undefined {
  const found = keyParts(key, 'bg', 'agent|session|tool|server|global');
  if (!found) return undefined;
  const { parts } = found;
  const [a, b, c] = parts;
  const kind = 'budget';
  switch (found.scope as BudgetScope) {
    case 'agent':
      return parts.length === 3 ? { kind, scope: 'agent', server: a, rule: b, agent: c } : undefined;
    case 'session':
      return parts.length === 3 ? { kind, scope: 'session', server: a, rule: b, session: c } : undefined;
    case 'tool':
      return parts.length === 3 ? { kind, scope: 'tool', server: a, rule: b, tool: c } : undefined;
    case 'server':
      return parts.length === 2 ? { kind, scope: 'server', server: a, rule: b } : undefined;
    case 'global':
      return parts.length === 1 ? { kind, scope: 'global', rule: a } : undefined;
  }
}
