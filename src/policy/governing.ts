/**
 * The rule that governs one (server, tool), prepared before any call: the verdicts that do not
 * depend on the call, built once and frozen, and the rate-limit key up to the session.
 */
import type { Category } from '../catalog/types.js';
import type { RuleAction, ToolRuleConfig } from '../config/types.js';
import type { CategoryDefault } from './category-defaults.js';
import { callKeyPrefix, isCallScope, rateLimitKey, type CallScope } from './rate-limit-key.js';
import * as reasons from './reasons.js';
import type { RulePlan } from './rule-plan.js';
import type { RateLimitCheck, RuleRef, RuleSource, Verdict } from './types.js';

export interface ResolvedRule {
  /** The tool-rule key, `category:<Category>` for a category default, `default` for the server default, `defaults` for an unknown category. */
  readonly pattern: string;
  /** The rule's action, or the server default (`allow` / `deny`) when no rule names the tool. */
  readonly action: RuleAction;
  /** True for the server default. */
  readonly isDefault: boolean;
  readonly kind: RuleSource['kind'];
  /** The rule as configured (a frozen copy); absent for the server default. */
  readonly config?: ToolRuleConfig;
}

/** The rule that governs one (server, tool) — for category defaults, one (server, tool, category) — with what can be prepared before a call. */
export interface Governing extends ResolvedRule {
  readonly plan: RulePlan | undefined;
  /** The action's own verdict for deny and hide. */
  readonly actionVerdict: Verdict | undefined;
  /** Verdict of a call that passes every check, when it does not depend on the call (no session- or agent-scoped limit). */
  readonly pass: Verdict | undefined;
  /** For session- and agent-scoped limits: the key without the call's session or agent. */
  readonly keyPrefix: string | undefined;
  /** Which of the call's subjects ends the key, with `keyPrefix`. */
  readonly keyScope: CallScope | undefined;
  /** Where the rule is written, when it is an agent's or group's override (`policies.app.agents.ci-bot.tools."deploy"`). */
  readonly where?: string;
}

const DEFAULT_REF: RuleRef = Object.freeze({ pattern: 'default', part: 'default' });
const UNKNOWN_CATEGORY_REF: RuleRef = Object.freeze({ pattern: 'defaults', part: 'category' });

export function governing(kind: RuleSource['kind'], server: string, tool: string, plan: RulePlan, actionVerdict: Verdict | undefined): Governing {
  const limit = plan.config.rateLimit;
  let pass: Verdict | undefined;
  let keyPrefix: string | undefined;
  let keyScope: CallScope | undefined;
  if (limit !== undefined && isCallScope(limit.scope)) {
    keyScope = limit.scope;
    keyPrefix = callKeyPrefix(keyScope, server, plan.pattern, tool);
  } else {
    const rateLimit: RateLimitCheck | undefined = limit && Object.freeze({
      key: rateLimitKey(limit.scope, server, plan.pattern, tool, undefined),
      max: limit.max,
      windowMs: limit.windowMs,
      scope: limit.scope,
      rule: plan.rateLimitRef,
    });
    pass = Object.freeze(rateLimit ? { kind: 'allow', rule: plan.actionRef, rateLimit } : { kind: 'allow', rule: plan.actionRef });
  }
  return Object.freeze({ pattern: plan.pattern, action: plan.config.action, isDefault: false, kind, config: plan.config, plan, actionVerdict, pass, keyPrefix, keyScope });
}

/**
 * The rule for a tool in `category`: its category default, or the server default (`allow`: category
 * defaults apply only on allow servers) when the category has none. `override` is the location of
 * the rule that set the category, undefined when the classifier did. Refusal reasons name the tool,
 * so they are built here, once per tool and category.
 */
export function categoryGoverning(
  server: string,
  tool: string,
  category: Category,
  entry: CategoryDefault | undefined,
  override: string | undefined,
): Governing {
  if (entry === undefined) return serverDefault(server, tool, 'allow');
  const { plan, where } = entry;
  let verdict: Verdict | undefined;
  switch (plan.config.action) {
    case 'deny':
      verdict = { kind: 'deny', rule: plan.actionRef, reason: plan.config.reason ?? reasons.categoryDenies(server, tool, category, where, override) };
      break;
    case 'hide':
      verdict = { kind: 'hide', rule: plan.actionRef };
      break;
    case 'require_approval':
    case 'allow':
      break; // the call goes on to validation, then is held or allowed
  }
  return governing('category_default', server, tool, plan, verdict && Object.freeze(verdict));
}

export function serverDefault(server: string, tool: string, fallback: 'allow' | 'deny'): Governing {
  const pass: Verdict = fallback === 'allow'
    ? { kind: 'allow', rule: DEFAULT_REF }
    : { kind: 'deny', rule: DEFAULT_REF, reason: reasons.defaultDenies(server, tool) };
  return Object.freeze({
    pattern: 'default',
    action: fallback,
    isDefault: true,
    kind: 'server_default',
    plan: undefined,
    actionVerdict: undefined,
    pass: Object.freeze(pass),
    keyPrefix: undefined,
    keyScope: undefined,
  });
}

/** When category defaults would govern but neither an override nor a definition gives the category: refused. */
export function unknownCategory(server: string, tool: string): Governing {
  return Object.freeze({
    pattern: UNKNOWN_CATEGORY_REF.pattern,
    action: 'deny',
    isDefault: false,
    kind: 'category_default',
    plan: undefined,
    actionVerdict: undefined,
    pass: Object.freeze({ kind: 'deny', rule: UNKNOWN_CATEGORY_REF, reason: reasons.categoryUnknown(server, tool) }),
    keyPrefix: undefined,
    keyScope: undefined,
  });
}
