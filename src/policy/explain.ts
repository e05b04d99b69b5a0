/**
 * `explain`: a tool's effective rule as one object, and for each part the place in the config it
 * comes from, so a person can find the line to change. Built from what the compiled policy
 * resolved, never by re-deciding, so it cannot disagree with `evaluate`.
 */
import type { Category, Classification, Risk } from '../catalog/types.js';
import type { RuleAction, ToolRuleConfig } from '../config/types.js';
import type { Explanation, RuleSource } from './types.js';

export interface ExplainInput {
  server: string;
  tool: string;
  governing: {
    kind: RuleSource['kind'];
    key: string;
    where: string;
    /** The governing rule as configured; absent for the server default and an unknown category. */
    config: ToolRuleConfig | undefined;
    action: RuleAction;
    /** The refusal's reason when there is no configured rule to show (unknown category). */
    reason: string | undefined;
  };
  categoryOverride: { value: Category; where: string } | undefined;
  riskOverride: { value: Risk; where: string } | undefined;
  /** The classifier's verdict, when a definition was given and an override does not settle both. */
  classification: Classification | undefined;
}

export function buildExplanation(input: ExplainInput): Explanation {
  const { governing, categoryOverride, riskOverride, classification } = input;
  const config = governing.config;
  const rule: Explanation['rule'] = config
    ? {
        action: config.action,
        ...(config.reason === undefined ? {} : { reason: config.reason }),
        ...(config.rateLimit === undefined ? {} : { rateLimit: { ...config.rateLimit } }),
        ...(config.budget === undefined ? {} : { budget: structuredClone(config.budget) }),
        ...(config.validate === undefined ? {} : { validate: structuredClone(config.validate) }),
        conditions: structuredClone(config.conditions),
      }
    : { action: governing.action, ...(governing.reason === undefined ? {} : { reason: governing.reason }), conditions: [] };

  const from = governing.where;
  const parts: Explanation['parts'] = [{ part: 'action', value: rule.action, from }];
  if (rule.reason !== undefined) parts.push({ part: 'reason', value: rule.reason, from });
  if (rule.rateLimit !== undefined) parts.push({ part: 'rate_limit', value: rule.rateLimit, from });
  if (rule.budget !== undefined) parts.push({ part: 'budget', value: rule.budget, from });
  if (rule.validate !== undefined) parts.push({ part: 'validate', value: rule.validate, from });
  if (rule.conditions.length > 0) parts.push({ part: 'conditions', value: rule.conditions, from });

  const explanation: Explanation = {
    server: input.server,
    tool: input.tool,
    rationale: classification ? [...classification.rationale] : [],
    rule,
    source: { kind: governing.kind, key: governing.key, where: from },
    parts,
  };
  if (categoryOverride) {
    explanation.category = { value: categoryOverride.value, source: 'override' };
    parts.push({ part: 'category', value: categoryOverride.value, from: `override at ${categoryOverride.where}` });
  } else if (classification) {
    explanation.category = { value: classification.category, source: 'classifier' };
    parts.push({ part: 'category', value: classification.category, from: 'classifier' });
  }
  if (riskOverride) {
    explanation.risk = { value: riskOverride.value, source: 'override' };
    parts.push({ part: 'risk', value: riskOverride.value, from: `override at ${riskOverride.where}` });
  } else if (classification) {
    explanation.risk = { value: classification.risk, source: 'classifier' };
    parts.push({ part: 'risk', value: classification.risk, from: 'classifier' });
  }
  return explanation;
}

/** `policies.aws-ecs.tools."delete_*"`: segments that are not plain names are quoted. */
export function configPath(...segments: string[]): string {
  return segments.map((s) => (/^[A-Za-z0-9_-]+$/.test(s) ? s : JSON.stringify(s))).join('.');
}
