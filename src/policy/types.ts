/**
 * The policy core's vocabulary. The policy folder is pure: no network, files, processes or
 * databases. It never assumes sessions exist (the 2026-07-28 protocol revision has none).
 */
import type { Category } from '../catalog/types.js';
import type { BudgetGiveBack, BudgetScope, Mode, RateLimitScope } from '../config/types.js';
import type { Agent } from '../identity/agent.js';

/** A `tools/call` as the policy sees it. */
export interface ToolCall {
  server: string;
  tool: string;
  args: Record<string, unknown>;
  /** The agent session, when the transport has one. */
  session?: string;
  /** Who is calling, verified at the edge; absent: anonymous. */
  agent?: Agent;
}

/** Which rule of the policy produced a decision, for messages and audit. */
export interface RuleRef {
  /**
   * The tool-rule key that matched (`delete_*`, `deploy_webapp`); `category:Execute` for a
   * category default; `default` for the server default; `defaults` when the category defaults
   * could not be applied because the tool's category is unknown.
   */
  pattern: string;
  /** Which part of the rule acted: `action`, `conditions[0]`, `validate`, `rate_limit`, `budget`, `default`, `category`. */
  part: string;
  /** Set when the rule is a category default (`defaults.categories.<category>`). */
  category?: Category;
}

export interface ValidationIssue {
  /** JSON pointer into the arguments, e.g. `/region`; `` for the object itself. */
  path: string;
  message: string;
}

/** A rate limit the call must pass before it is forwarded; the gateway takes it from the store. */
export interface RateLimitCheck {
  /** Store key; stable across reloads so counters survive them. */
  key: string;
  max: number;
  windowMs: number;
  scope: RateLimitScope;
  rule: RuleRef;
}

/** What a call spends of a budget, reserved before it is forwarded; the gateway takes it from the store. */
export interface BudgetCheck {
  /** Store key (`bg:<scope>:[...]`); stable across reloads so spend survives them. */
  key: string;
  /** What this call spends, as the rule's `amount` expression yielded it: finite, at least 0. */
  amount: number;
  max: number;
  windowMs: number;
  scope: BudgetScope;
  giveBackOn: readonly BudgetGiveBack[];
  rule: RuleRef;
}

/** How a `require_approval` rule wants the call held (the rule's `approval:` block, resolved). */
export interface ApprovalRule {
  timeoutMs: number;
  /** Channels told when the hold starts, e.g. `webhook`. */
  notify: string[];
  /** `dashboard` (default): a person at the dashboard, CLI or API. `elicitation`: the agent's own user, when the client can be asked. */
  via: 'dashboard' | 'elicitation';
}

/** What the policy says of a call before rate limits are counted. */
export type Verdict =
  | { kind: 'allow'; rule: RuleRef; rateLimit?: RateLimitCheck; budget?: BudgetCheck }
  | { kind: 'hold'; rule: RuleRef; approval: ApprovalRule; rateLimit?: RateLimitCheck; budget?: BudgetCheck }
  | { kind: 'deny'; rule: RuleRef; reason: string }
  | { kind: 'hide'; rule: RuleRef }
  | { kind: 'invalid'; rule: RuleRef; reason: string; issues: ValidationIssue[] };

/** The outcome of one call, after rate limits and budgets. One case per outcome. */
export type Decision =
  | { kind: 'allow'; rule: RuleRef; mode: Mode; rateLimit?: RateLimitState; budget?: BudgetState }
  /** Passes every check but needs a person's approval before it is forwarded; its budget amount is reserved while it waits. */
  | { kind: 'hold'; rule: RuleRef; mode: Mode; approval: ApprovalRule; rateLimit?: RateLimitState; budget?: BudgetState }
  | { kind: 'deny'; rule: RuleRef; mode: Mode; reason: string }
  | { kind: 'hide'; rule: RuleRef; mode: Mode }
  | { kind: 'invalid'; rule: RuleRef; mode: Mode; reason: string; issues: ValidationIssue[] }
  | { kind: 'rate_limited'; rule: RuleRef; mode: Mode; reason: string; rateLimit: RateLimitState }
  /** The call's amount would take its budget's window past `max`. */
  | { kind: 'over_budget'; rule: RuleRef; mode: Mode; reason: string; budget: BudgetState };

/** A budget as one call found it. */
export interface BudgetState {
  max: number;
  windowMs: number;
  scope: BudgetScope;
  /** What this call spends (reserved when allowed or held). */
  amount: number;
  /** Spent in the window before this call; absent for an amount of 0, which takes nothing and reads nothing. */
  spent?: number;
  /** Left in the window: after this call when it passed, before it when refused. Absent with `spent`. */
  remaining?: number;
  /** When refused: milliseconds until enough has left the window for the amount to fit. */
  retryAfterMs?: number;
  /** When refused: what will have left the window by then. */
  freesAmount?: number;
}

export interface RateLimitState {
  max: number;
  windowMs: number;
  scope: RateLimitScope;
  /** Calls left in the current window after this one. */
  remaining: number;
  /** When refused: milliseconds until a call would be admitted. */
  retryAfterMs: number;
}

/** Where one part of a tool's effective rule came from, for `toolgate explain` and the catalog. */
export interface RuleSource {
  kind: 'tool_rule' | 'category_default' | 'server_default';
  /** The rule key (`delete_*`), the category (`Execute`), or `default`. */
  key: string;
  /** Human-readable location, e.g. `policies.aws-ecs.tools."delete_*"` or `defaults (recommended profile): Execute`. */
  where: string;
}

/** A tool's effective rule and the reasons for it. */
export interface Explanation {
  server: string;
  tool: string;
  /** Present when a definition was given (or an override names it). */
  category?: { value: import('../catalog/types.js').Category; source: 'classifier' | 'override' };
  risk?: { value: import('../catalog/types.js').Risk; source: 'classifier' | 'override' };
  /** The classifier's sentences, when it ran. */
  rationale: string[];
  /** The rule that governs the tool, as one object (same shape as a tool rule in the config). */
  rule: {
    action: import('../config/types.js').RuleAction;
    reason?: string;
    rateLimit?: import('../config/types.js').RateLimitConfig;
    budget?: import('../config/types.js').BudgetConfig;
    validate?: import('../config/types.js').ValidateConfig;
    conditions: import('../config/types.js').ConditionConfig[];
  };
  source: RuleSource;
  /** One line per part that is set: `action: deny — from policies.x.tools."delete_*"`. */
  parts: Array<{ part: 'action' | 'reason' | 'rate_limit' | 'budget' | 'validate' | 'conditions' | 'category' | 'risk'; value: unknown; from: string }>;
}
