/**
 * One row of the tool catalog: what a tool is (its definition, parameters), what the classifier
 * says of it, and what the policy does with it. Every output of `toolgate catalog` (table, JSON,
 * Markdown, HTML) and `toolgate explain` is rendered from these, so they always agree.
 *
 * Pure: the policy is passed in as an `explain` function, the definitions as data.
 */
import type { Explanation, RuleSource } from '../policy/types.js';
import { classifyTool } from './classify.js';
import type { PinnableTool } from './pins.js';
import type { Category, Finding, Risk, ToolAnnotations } from './types.js';

/** `policy.explain`, or absent when there is no config. */
export type Explain = (server: string, tool: string, definition?: PinnableTool) => Explanation;

export interface ParamInfo {
  name: string;
  /** A short type: `string`, `integer`, `string | null`, `"a" | "b"`, `string[]`, `object`. */
  type: string;
  required: boolean;
  description?: string;
  default?: unknown;
}

export interface EffectiveRule {
  action: Explanation['rule']['action'];
  reason?: string;
  rateLimit?: { max: number; windowMs: number; scope: string };
  budget?: { amount: string; max: number; windowMs: number; scope: string; giveBackOn: string[] };
  validate?: { inputSchema: boolean; arguments?: Record<string, unknown> };
  conditions: Array<{ if: string; action: string; reason?: string }>;
  /** Where the rule came from. */
  source: RuleSource;
  /** One line: `allow, at most 10 per 1m per session, arguments validated`. */
  summary: string;
  /** Where each part came from, as `policy.explain` reports it. */
  parts: Explanation['parts'];
}

export interface CatalogEntry {
  server: string;
  name: string;
  title?: string;
  description: string;
  /** The effective category and risk: the config's override when there is one, else the classifier's. */
  category: Category;
  risk: Risk;
  /** True when the config sets this tool's category or risk. */
  overridden: boolean;
  /** What the classifier alone says. */
  classifier: { category: Category; risk: Risk };
  requiredParams: string[];
  params: ParamInfo[];
  rationale: string[];
  findings: Finding[];
  annotations?: ToolAnnotations;
  effectiveRule: EffectiveRule;
}

const NO_POLICY_SOURCE: RuleSource = { kind: 'server_default', key: 'default', where: 'no config given: without a policy every tool is allowed' };

export function catalogEntry(server: string, tool: PinnableTool, explain?: Explain): CatalogEntry {
  const classification = classifyTool(tool, server);
  const explanation = explain?.(server, tool.name, tool);
  const category = explanation?.category?.value ?? classification.category;
  const risk = explanation?.risk?.value ?? classification.risk;
  const entry: CatalogEntry = {
    server,
    name: tool.name,
    ...(typeof tool.title === 'string' && tool.title !== '' ? { title: tool.title } : {}),
    description: typeof tool.description === 'string' ? tool.description : '',
    category,
    risk,
    overridden: explanation?.category?.source === 'override' || explanation?.risk?.source === 'override',
    classifier: { category: classification.category, risk: classification.risk },
    requiredParams: classification.requiredParams,
    params: describeParams(tool.inputSchema),
    rationale: classification.rationale,
    findings: classification.findings,
    ...(tool.annotations && typeof tool.annotations === 'object' ? { annotations: tool.annotations } : {}),
    effectiveRule: explanation ? effectiveRule(explanation) : noPolicyRule(),
  };
  return entry;
}

function effectiveRule(explanation: Explanation): EffectiveRule {
  const { rule } = explanation;
  const fields = {
    action: rule.action,
    ...(rule.reason === undefined ? {} : { reason: rule.reason }),
    ...(rule.rateLimit ? { rateLimit: { max: rule.rateLimit.max, windowMs: rule.rateLimit.windowMs, scope: rule.rateLimit.scope } } : {}),
    ...(rule.budget ? { budget: { amount: rule.budget.amount, max: rule.budget.max, windowMs: rule.budget.windowMs, scope: rule.budget.scope, giveBackOn: [...rule.budget.giveBackOn] } } : {}),
    ...(rule.validate ? { validate: { inputSchema: rule.validate.inputSchema, ...(rule.validate.arguments ? { arguments: rule.validate.arguments } : {}) } } : {}),
    conditions: rule.conditions.map((c) => ({ if: c.if, action: c.action, ...(c.reason === undefined ? {} : { reason: c.reason }) })),
  };
  return { ...fields, source: explanation.source, summary: ruleSummary(fields), parts: explanation.parts };
}

function noPolicyRule(): EffectiveRule {
  return { action: 'allow', conditions: [], source: NO_POLICY_SOURCE, summary: 'allow (no policy)', parts: [] };
}

/** `deny: "Apps are deleted by the platform team."`, `allow, at most 10 per 1m per session, arguments validated`. */
export function ruleSummary(rule: Pick<EffectiveRule, 'action' | 'reason' | 'rateLimit' | 'budget' | 'validate' | 'conditions'>): string {
  const action = rule.action === 'require_approval' ? 'require approval' : rule.action;
  if (rule.action === 'deny') return rule.reason ? `deny: "${rule.reason}"` : 'deny';
  if (rule.action === 'hide') return 'hide';
  const parts = [action];
  if (rule.conditions.length > 0) parts.push(`${rule.conditions.length} condition${rule.conditions.length === 1 ? '' : 's'}`);
  if (rule.validate) {
    const what = [rule.validate.inputSchema ? 'input schema' : '', rule.validate.arguments ? 'extra schema' : ''].filter(Boolean).join(' + ');
    parts.push(`validated (${what || 'nothing'})`);
  }
  if (rule.rateLimit) parts.push(`at most ${rule.rateLimit.max} per ${formatWindow(rule.rateLimit.windowMs)} per ${rule.rateLimit.scope}`);
  if (rule.budget) parts.push(`budget ${rule.budget.max} of ${rule.budget.amount} per ${formatWindow(rule.budget.windowMs)} per ${rule.budget.scope}`);
  return parts.join(', ');
}

/** A part of an explanation as the config would write it: `{ max: 5, window: 1h, scope: tool }`, not milliseconds. */
export function formatRulePart(part: string, value: unknown): string {
  if (part === 'rate_limit' && typeof value === 'object' && value !== null) {
    const { max, windowMs, scope } = value as { max: number; windowMs: number; scope: string };
    return `{ max: ${max}, window: ${formatWindow(windowMs)}, scope: ${scope} }`;
  }
  if (part === 'budget' && typeof value === 'object' && value !== null) {
    const { amount, max, windowMs, scope, giveBackOn } = value as { amount: string; max: number; windowMs: number; scope: string; giveBackOn: string[] };
    return `{ amount: ${JSON.stringify(amount)}, max: ${max}, window: ${formatWindow(windowMs)}, scope: ${scope}, give_back_on: [${giveBackOn.join(', ')}] }`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** 60000 → `1m`, 90000 → `90s`, 500 → `500ms`: the shortest way the config itself accepts. */
export function formatWindow(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The parameters of an `inputSchema`, in the schema's order. */
export function describeParams(schema: unknown): ParamInfo[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  return Object.entries(schema.properties).map(([name, raw]) => {
    const prop = isObject(raw) ? raw : {};
    const info: ParamInfo = { name, type: typeOf(prop), required: required.has(name) };
    if (typeof prop.description === 'string' && prop.description !== '') info.description = prop.description;
    if (prop.default !== undefined) info.default = prop.default;
    return info;
  });
}

function typeOf(prop: Record<string, unknown>, depth = 0): string {
  if (depth > 3) return '…';
  if (Array.isArray(prop.enum)) {
    const values = prop.enum.slice(0, 6).map((v) => JSON.stringify(v));
    return values.join(' | ') + (prop.enum.length > 6 ? ' | …' : '');
  }
  if (prop.const !== undefined) return JSON.stringify(prop.const);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = prop[key];
    if (Array.isArray(options) && options.length > 0) {
      return [...new Set(options.map((o) => (isObject(o) ? typeOf(o, depth + 1) : 'unknown')))].join(' | ');
    }
  }
  if (typeof prop.$ref === 'string') return prop.$ref.split('/').pop() || 'object';
  const type = Array.isArray(prop.type) ? prop.type.filter((t): t is string => typeof t === 'string') : typeof prop.type === 'string' ? [prop.type] : [];
  if (type.length === 0) return isObject(prop.properties) ? 'object' : 'any';
  return type
    .map((t) => {
      if (t === 'array') return isObject(prop.items) ? `${wrap(typeOf(prop.items, depth + 1))}[]` : 'array';
      if (t === 'string' && typeof prop.format === 'string') return `string (${prop.format})`;
      return t;
    })
    .join(' | ');
}

const wrap = (type: string) => (type.includes(' ') ? `(${type})` : type);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
