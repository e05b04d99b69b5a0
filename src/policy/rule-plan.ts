/**
 * One server's rules, prepared for lookup: exact names in a Map, globs indexed by their literal
 * prefix, each rule's CEL conditions and arguments schema compiled, and the verdicts that do not
 * depend on the call built once.
 */
import type { ValidateFunction } from 'ajv';
import type { RuleAction, ServerPolicyConfig, ToolRuleConfig } from '../config/types.js';
import type { ConfigProblem } from '../errors.js';
import { compileCondition, type CompiledCondition } from './conditions.js';
import { compileGlob, isGlob, type Glob } from './glob.js';
import * as reasons from './reasons.js';
import type { RuleRef, Verdict } from './types.js';
import type { SchemaCompiler } from './validation.js';

export interface ConditionPlan {
  readonly index: number;
  readonly condition: CompiledCondition;
  readonly ref: RuleRef;
  /** What a match yields; undefined for an `allow` condition, which lets the call go on to validation. */
  readonly verdict: Verdict | undefined;
}

export interface RulePlan {
  readonly pattern: string;
  readonly config: ToolRuleConfig;
  readonly glob: Glob | undefined;
  readonly order: number;
  readonly conditions: readonly ConditionPlan[];
  readonly argumentsSchema: ValidateFunction | undefined;
  readonly actionRef: RuleRef;
  readonly validateRef: RuleRef;
  readonly rateLimitRef: RuleRef;
  /** Verdict of the action itself for deny, hide and require_approval. */
  readonly actionVerdict: Verdict | undefined;
}

export interface ServerPlan {
  readonly fallback: 'allow' | 'deny';
  readonly exact: ReadonlyMap<string, RulePlan>;
  /**
   * Globs by their literal prefix, each list most specific first. A lookup tries only the
   * prefixes of the tool name, so a policy with thousands of globs tests a handful per name.
   */
  readonly globsByPrefix: ReadonlyMap<string, readonly RulePlan[]>;
  /** The prefix lengths that occur, ascending. */
  readonly prefixLengths: readonly number[];
}

/** For servers that have no policy: every tool allowed. */
export const EMPTY_SERVER: ServerPlan = Object.freeze({
  fallback: 'allow',
  exact: new Map(),
  globsByPrefix: new Map(),
  prefixLengths: [],
});

/** Compiles one server's policy; problems are appended to `problems` so one error can list them all. */
export function compileServer(
  server: string,
  policy: ServerPolicyConfig,
  file: string,
  schemas: SchemaCompiler,
  problems: ConfigProblem[],
): ServerPlan {
  const exact = new Map<string, RulePlan>();
  const globsByPrefix = new Map<string, RulePlan[]>();
  let order = 0;
  for (const [pattern, rule] of Object.entries(policy.tools)) {
    const report = (path: string, message: string, hint: string) => {
      const at = `/policies/${pointerToken(server)}/tools/${pointerToken(pattern)}${path}`;
      problems.push({ file, line: 0, column: 0, path: at, message, hint });
    };
    const plan = compileRule(pattern, rule, order++, schemas, report);
    if (plan.glob === undefined) exact.set(pattern, plan);
    else {
      const bucket = globsByPrefix.get(plan.glob.prefix);
      if (bucket) bucket.push(plan);
      else globsByPrefix.set(plan.glob.prefix, [plan]);
    }
  }
  for (const bucket of globsByPrefix.values()) bucket.sort((a, b) => (moreSpecific(a, b) ? -1 : 1));
  const prefixLengths = [...new Set([...globsByPrefix.keys()].map((p) => p.length))].sort((a, b) => a - b);
  return Object.freeze({ fallback: policy.default, exact, globsByPrefix, prefixLengths });
}

/** More literal characters wins; on a tie, the rule declared first. */
function moreSpecific(a: RulePlan, b: RulePlan): boolean {
  const la = a.glob!.literalCount;
  const lb = b.glob!.literalCount;
  return la > lb || (la === lb && a.order < b.order);
}

/** The most specific glob matching the tool, looking only in buckets whose prefix the name starts with. */
export function matchGlob(plans: ServerPlan, tool: string): RulePlan | undefined {
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
  rule: ToolRuleConfig,
  order: number,
  schemas: SchemaCompiler,
  report: (path: string, message: string, hint: string) => void,
): RulePlan {
  const ref = (part: string): RuleRef => Object.freeze({ pattern, part });
  const actionRef = ref('action');
  const conditions: ConditionPlan[] = [];
  (rule.conditions ?? []).forEach((c, index) => {
    const compiled = compileCondition(c.if);
    if ('error' in compiled) {
      report(`/conditions/${index}/if`, `condition ${index} of rule "${pattern}" cannot be compiled: ${compiled.error}`,
        'conditions are CEL expressions over args, tool, server and session, e.g. args.env == "prod"');
      return;
    }
    const condRef = ref(`conditions[${index}]`);
    const reason = c.reason ?? reasons.conditionMatched(pattern, index, c.if);
    const verdict = actionVerdict(c.action, condRef, reason, pattern);
    conditions.push(Object.freeze({ index, condition: compiled, ref: condRef, verdict }));
  });
  let argumentsSchema: ValidateFunction | undefined;
  if (rule.validate?.arguments !== undefined) {
    const compiled = schemas.compile(rule.validate.arguments);
    if (compiled.ok) argumentsSchema = compiled.validate;
    else report('/validate/arguments', `the arguments schema of rule "${pattern}" is not a valid JSON Schema: ${compiled.error}`,
      'validate.arguments takes a JSON Schema (draft 2020-12 unless it sets $schema) that the arguments object must satisfy');
  }
  return Object.freeze({
    pattern,
    config: rule,
    glob: isGlob(pattern) ? compileGlob(pattern) : undefined,
    order,
    conditions: Object.freeze(conditions),
    argumentsSchema,
    actionRef,
    validateRef: ref('validate'),
    rateLimitRef: ref('rate_limit'),
    actionVerdict: actionVerdict(rule.action, actionRef, rule.reason ?? reasons.ruleDenies(pattern), pattern),
  });
}

/** Static verdict of an action; `allow` has none, because the call still has checks to pass. */
function actionVerdict(action: RuleAction, rule: RuleRef, denyReason: string, pattern: string): Verdict | undefined {
  switch (action) {
    case 'allow':
      return undefined;
    case 'deny':
      return Object.freeze({ kind: 'deny', rule, reason: denyReason });
    case 'hide':
      return Object.freeze({ kind: 'hide', rule });
    case 'require_approval':
      // Approvals are not built yet: refuse rather than let the call through unapproved.
      return Object.freeze({ kind: 'deny', rule, reason: reasons.approvalUnavailable(pattern) });
  }
}

/** Escapes one JSON-pointer token (RFC 6901). */
function pointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
