/**
 * One server's rules, prepared for lookup: exact names in a Map, globs indexed by their literal
 * prefix, each rule's CEL conditions and arguments schema compiled, and the verdicts that do not
 * depend on the call built once. Category defaults are compiled here too, as rules whose pattern
 * is `category:<Category>`.
 */
import type { ValidateFunction } from 'ajv';
import type { Category } from '../catalog/types.js';
import type { RuleAction, ServerPolicyConfig, ToolRuleConfig } from '../config/types.js';
import type { ConfigProblem } from '../errors.js';
import { compileAmount, type CompiledAmount } from './budget-amount.js';
import { compileCondition, type CompiledCondition } from './conditions.js';
import { compileGlob, isGlob, type Glob } from './glob.js';
import * as reasons from './reasons.js';
import type { RuleRef, Verdict } from './types.js';
import type { SchemaCompiler } from './validation.js';

export interface ConditionPlan {
  readonly index: number;
  readonly condition: CompiledCondition;
  readonly ref: RuleRef;
  /** What a match yields; undefined for `allow` and `require_approval`, which go on to validation. */
  readonly verdict: Verdict | undefined;
  /** A match holds the call for approval (after validation and the rate limit). */
  readonly holds: boolean;
}

export interface RulePlan {
  /** The tool-rule key, or `category:<Category>` for a category default. */
  readonly pattern: string;
  /** Set for a category default. */
  readonly category: Category | undefined;
  readonly config: ToolRuleConfig;
  readonly glob: Glob | undefined;
  readonly order: number;
  readonly conditions: readonly ConditionPlan[];
  readonly argumentsSchema: ValidateFunction | undefined;
  /** The budget's `amount` expression, compiled. */
  readonly budgetAmount: CompiledAmount | undefined;
  readonly actionRef: RuleRef;
  readonly validateRef: RuleRef;
  readonly rateLimitRef: RuleRef;
  readonly budgetRef: RuleRef;
  /**
   * Verdict of the action itself for deny, hide and require_approval. Undefined for a category
   * default: its reasons name the tool, so the policy builds them per tool.
   */
  readonly actionVerdict: Verdict | undefined;
}

/** Rules by name: exact names in a map, globs by literal prefix. */
export interface RuleIndex {
  readonly exact: ReadonlyMap<string, RulePlan>;
  /**
   * Globs by their literal prefix, each list most specific first. A lookup tries only the
   * prefixes of the tool name, so a policy with thousands of globs tests a handful per name.
   */
  readonly globsByPrefix: ReadonlyMap<string, readonly RulePlan[]>;
  /** The prefix lengths that occur, ascending. */
  readonly prefixLengths: readonly number[];
}

export interface ServerPlan {
  readonly fallback: 'allow' | 'deny';
  /** Explicit rules: every rule that sets more than a classification override. */
  readonly rules: RuleIndex;
  /** Rules that set `category:` (explicit or override only), for the tool's category. */
  readonly categories: RuleIndex;
  /** Rules that set `risk:`. */
  readonly risks: RuleIndex;
}

const EMPTY_INDEX: RuleIndex = Object.freeze({ exact: new Map(), globsByPrefix: new Map(), prefixLengths: [] });

/** For servers that have no policy: every tool allowed. */
export const EMPTY_SERVER: ServerPlan = Object.freeze({ fallback: 'allow', rules: EMPTY_INDEX, categories: EMPTY_INDEX, risks: EMPTY_INDEX });

/**
 * A rule that sets only `category` and/or `risk` (its action is the default `allow`, and it has
 * no reason, rate limit, validation or conditions) is a classification override, not an explicit
 * rule: it changes what the tool is, and the category default for that then applies.
 */
export function isOverrideOnly(rule: ToolRuleConfig): boolean {
  return (
    (rule.category !== undefined || rule.risk !== undefined) &&
    rule.action === 'allow' &&
    rule.reason === undefined &&
    rule.rateLimit === undefined &&
    rule.budget === undefined &&
    rule.validate === undefined &&
    rule.timeoutMs === undefined &&
    rule.conditions.length === 0
  );
}

/** Compiles one server's policy; problems are appended to `problems` so one error can list them all. */
export function compileServer(
  server: string,
  policy: ServerPolicyConfig,
  file: string,
  schemas: SchemaCompiler,
  problems: ConfigProblem[],
  /** Where the rules are in the file, for problems: the server's policy, or an agent's or group's override in it. */
  pointer = `/policies/${pointerToken(server)}`,
): ServerPlan {
  const rules: RulePlan[] = [];
  let order = 0;
  for (const [pattern, rule] of Object.entries(policy.tools)) {
    const report = (path: string, message: string, hint: string) => {
      const at = `${pointer}/tools/${pointerToken(pattern)}${path}`;
      problems.push({ file, line: 0, column: 0, path: at, message, hint });
    };
    rules.push(compileRule(pattern, undefined, rule, order++, schemas, report));
  }
  return Object.freeze({
    fallback: policy.default,
    rules: indexRules(rules.filter((p) => !isOverrideOnly(p.config))),
    categories: indexRules(rules.filter((p) => p.config.category !== undefined)),
    risks: indexRules(rules.filter((p) => p.config.risk !== undefined)),
  });
}

/** Compiles one category default; its pattern is `category:<Category>`. */
export function compileCategoryRule(
  key: string,
  category: Category,
  rule: ToolRuleConfig,
  file: string,
  schemas: SchemaCompiler,
  problems: ConfigProblem[],
): RulePlan {
  const report = (path: string, message: string, hint: string) => {
    problems.push({ file, line: 0, column: 0, path: `/defaults/categories/${category}${path}`, message, hint });
  };
  return compileRule(`category:${key}`, category, rule, 0, schemas, report);
}

function indexRules(plans: readonly RulePlan[]): RuleIndex {
  if (plans.length === 0) return EMPTY_INDEX;
  const exact = new Map<string, RulePlan>();
  const globsByPrefix = new Map<string, RulePlan[]>();
  for (const plan of plans) {
    if (plan.glob === undefined) exact.set(plan.pattern, plan);
    else {
      const bucket = globsByPrefix.get(plan.glob.prefix);
      if (bucket) bucket.push(plan);
      else globsByPrefix.set(plan.glob.prefix, [plan]);
    }
  }
  for (const bucket of globsByPrefix.values()) bucket.sort((a, b) => (moreSpecific(a, b) ? -1 : 1));
  const prefixLengths = [...new Set([...globsByPrefix.keys()].map((p) => p.length))].sort((a, b) => a - b);
  return Object.freeze({ exact, globsByPrefix, prefixLengths });
}

/** The rule of the index that governs the tool: its exact name, else the most specific glob. */
export function matchRule(index: RuleIndex, tool: string): RulePlan | undefined {
  return index.exact.get(tool) ?? (index.prefixLengths.length === 0 ? undefined : matchGlob(index, tool));
}

/** More literal characters wins; on a tie, the rule declared first. */
function moreSpecific(a: RulePlan, b: RulePlan): boolean {
  const la = a.glob!.literalCount;
  const lb = b.glob!.literalCount;
  return la > lb || (la === lb && a.order < b.order);
}

/** The most specific glob matching the tool, looking only in buckets whose prefix the name starts with. */
function matchGlob(plans: RuleIndex, tool: string): RulePlan | undefined {
  let best: RulePlan | undefined;
  for (const length of plans.prefixLengths) {
    if (length > tool.length) break;
    const bucket = plans.globsByPrefix.get(length === 0 ? '' : tool.slice(0, length));
    if (bucket === undefined) continue;
    for (const plan of bucket) {
      if (best !== undefined && !moreSpecific(plan, best)) break;
      if (plan.glob!.matches(tool)) {
        best = plan;
        break;
      }
    }
  }
  return best;
}

function compileRule(
  pattern: string,
  category: Category | undefined,
  rule: ToolRuleConfig,
  order: number,
  schemas: SchemaCompiler,
  report: (path: string, message: string, hint: string) => void,
): RulePlan {
  const label = reasons.ruleLabel(pattern, category);
  const what = category === undefined ? `rule "${pattern}"` : `the ${category} category default`;
  const ref = (part: string): RuleRef => Object.freeze(category === undefined ? { pattern, part } : { pattern, part, category });
  const actionRef = ref('action');
  const conditions: ConditionPlan[] = [];
  (rule.conditions ?? []).forEach((c, index) => {
    const compiled = compileCondition(c.if);
    if ('error' in compiled) {
      report(`/conditions/${index}/if`, `condition ${index} of ${what} cannot be compiled: ${compiled.error}`,
        'conditions are CEL expressions over args, tool, server, session and agent, e.g. args.env == "prod"');
      return;
    }
    const condRef = ref(`conditions[${index}]`);
    const reason = c.reason ?? reasons.conditionMatched(label, index, c.if);
    const verdict = actionVerdict(c.action, condRef, reason, label);
    conditions.push(Object.freeze({ index, condition: compiled, ref: condRef, verdict, holds: c.action === 'require_approval' }));
  });
  let argumentsSchema: ValidateFunction | undefined;
  if (rule.validate?.arguments !== undefined) {
    const compiled = schemas.compile(rule.validate.arguments);
    if (compiled.ok) argumentsSchema = compiled.validate;
    else report('/validate/arguments', `the arguments schema of ${what} is not a valid JSON Schema: ${compiled.error}`,
      'validate.arguments takes a JSON Schema (draft 2020-12 unless it sets $schema) that the arguments object must satisfy');
  }
  let budgetAmount: CompiledAmount | undefined;
  if (rule.budget !== undefined) {
    const compiled = compileAmount(rule.budget.amount);
    if ('error' in compiled) report('/budget/amount', `the budget amount of ${what} cannot be compiled: ${compiled.error}`,
      'an amount is CEL over args, tool, server, session and agent that yields a number, e.g. args.amount');
    else budgetAmount = compiled;
  }
  return Object.freeze({
    pattern,
    category,
    config: rule,
    glob: isGlob(pattern) ? compileGlob(pattern) : undefined,
    order,
    conditions: Object.freeze(conditions),
    argumentsSchema,
    budgetAmount,
    actionRef,
    validateRef: ref('validate'),
    rateLimitRef: ref('rate_limit'),
    budgetRef: ref('budget'),
    actionVerdict: category === undefined ? actionVerdict(rule.action, actionRef, rule.reason ?? reasons.ruleDenies(pattern), label) : undefined,
  });
}

/** Static verdict of an action; `allow` and `require_approval` have none: the call still has checks to pass. */
function actionVerdict(action: RuleAction, rule: RuleRef, denyReason: string, label: string): Verdict | undefined {
  switch (action) {
    case 'allow':
      return undefined;
    case 'deny':
      return Object.freeze({ kind: 'deny', rule, reason: denyReason });
    case 'hide':
      return Object.freeze({ kind: 'hide', rule });
    case 'require_approval':
      return undefined;
  }
}

/** Escapes one JSON-pointer token (RFC 6901). */
export function pointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
