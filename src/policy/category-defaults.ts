/**
 * `defaults:` compiled: one rule per category for the tools no explicit rule names, the profile's
 * rows by risk and poisoning, and the classification those rules are chosen by. The classifier is pure and deterministic, so its
 * answer for a definition object is kept for as long as the object lives, across reloads.
 */
import { isDeepStrictEqual } from 'node:util';
import { classifyTool } from '../catalog/classify.js';
import type { Category, Classification, Risk, ToolDefinition } from '../catalog/types.js';
import type { DefaultsConfig, ToolRuleConfig } from '../config/types.js';
import type { ConfigProblem } from '../errors.js';
import { PROFILES, PROFILE_RISK_ROWS } from './recommended.js';
import { deepFreeze } from './freeze.js';
import { compileCategoryRule, type RulePlan } from './rule-plan.js';
import type { SchemaCompiler } from './validation.js';

export interface CategoryDefault {
  readonly plan: RulePlan;
  /** The config location, for reasons and explain: `defaults.categories.Execute` or `defaults: recommended (Execute)`. */
  readonly where: string;
}

/**
 * Where a tool falls within its category: its risk class and whether its definition carries
 * poisoning findings. The profile's rows by risk come before the category entry.
 */
export type RiskTier = 'base' | 'high' | 'critical' | 'poisoned';
const TIER_INDEX: Readonly<Record<RiskTier, number>> = Object.freeze({ base: 0, high: 1, critical: 2, poisoned: 3 });

/** Slots in per-tool arrays of category resolutions; the Record type makes TypeScript check all seven are here. */
export const CATEGORY_INDEX: Readonly<Record<Category, number>> = Object.freeze({
  Read: 0,
  Write: 1,
  Execute: 2,
  Destructive: 3,
  Financial: 4,
  Communication: 5,
  Admin: 6,
});
const CATEGORY_COUNT = Object.keys(CATEGORY_INDEX).length;
/** One slot per category and tier. */
export const DEFAULT_SLOTS = CATEGORY_COUNT * Object.keys(TIER_INDEX).length;

export function defaultSlot(category: Category, tier: RiskTier): number {
  return CATEGORY_INDEX[category] * Object.keys(TIER_INDEX).length + TIER_INDEX[tier];
}

/** Poisoning first (the text is the attack), then Critical, then High; the rest is the category's. */
export function riskTier(risk: Risk | undefined, poisoned: boolean): RiskTier {
  if (poisoned) return 'poisoned';
  if (risk === 'Critical') return 'critical';
  if (risk === 'High') return 'high';
  return 'base';
}

export interface CompiledDefaults {
  /** False when `defaults` has no entries at all: then no category default governs anything. */
  readonly any: boolean;
  /** True when some entry or row hides: only then does filtering tools/list need the classifier. */
  readonly hides: boolean;
  /** The rule for a category and tier: the profile's row when it has one, else the category entry. */
  entry(category: Category, tier: RiskTier): CategoryDefault | undefined;
  /** The location of a compiled default's rule, by its pattern (`category:Execute`, `category:Execute/High`). */
  whereOf(pattern: string): string | undefined;
}

export function compileDefaults(
  defaults: DefaultsConfig | undefined,
  file: string,
  schemas: SchemaCompiler,
  problems: ConfigProblem[],
): CompiledDefaults {
  const compiled = new Map<Category, CategoryDefault>();
  const rows = new Map<string, CategoryDefault>();
  const profile = defaults?.profile === undefined ? undefined : PROFILES[defaults.profile];
  for (const [category, rule] of Object.entries(defaults?.categories ?? {}) as [Category, DefaultsConfig['categories'][Category]][]) {
    if (rule === undefined) continue;
    // Without `written` (a Config built by code), an entry equal to the profile's is taken to be the profile's.
    const fromProfile = profile !== undefined && (defaults?.written ? !defaults.written.includes(category) : isDeepStrictEqual(rule, profile[category]));
    const where = fromProfile ? `defaults: ${defaults?.profile} (${category})` : `defaults.categories.${category}`;
    compiled.set(category, Object.freeze({ plan: compileCategoryRule(category, category, rule, file, schemas, problems), where }));
  }
  const risk = defaults?.profile === undefined ? undefined : PROFILE_RISK_ROWS[defaults.profile];
  if (risk !== undefined) {
    for (const category of Object.keys(CATEGORY_INDEX) as Category[]) {
      const own = compiled.get(category);
      const yours = own !== undefined && !own.where.startsWith('defaults: ');
      const high = risk.high[category];
      // A category entry your file writes is what you chose for that category's High tools too.
      if (high !== undefined && !yours) rows.set(`${category}/high`, row(category, 'High', high, `defaults: ${defaults?.profile} (${category}, High risk)`));
      rows.set(`${category}/critical`, row(category, 'Critical', risk.critical, `defaults: ${defaults?.profile} (Critical risk)`));
      rows.set(`${category}/poisoned`, row(category, 'poisoned', risk.poisoned, `defaults: ${defaults?.profile} (poisoning findings)`));
    }
  }
  function row(category: Category, tier: string, rule: ToolRuleConfig, where: string): CategoryDefault {
    return Object.freeze({ plan: compileCategoryRule(`${category}/${tier}`, category, rule, file, schemas, problems), where });
  }
  const all = [...compiled.values(), ...rows.values()];
  const wheres = new Map(all.map((d) => [d.plan.pattern, d.where]));
  return Object.freeze({
    any: all.length > 0,
    hides: all.some((d) => d.plan.config.action === 'hide'),
    entry: (category: Category, tier: RiskTier) => (tier === 'base' ? undefined : rows.get(`${category}/${tier}`)) ?? compiled.get(category),
    whereOf: (pattern: string) => wheres.get(pattern),
  });
}

/**
 * Classifications by definition object (the gateway hands over the objects it keeps from
 * tools/list), then by server and definition text: each tools/list answer brings new but mostly
 * equal objects, and the classifier costs about a millisecond a tool while the text costs
 * microseconds. The text cache is bounded like the schema cache, for upstreams whose definitions
 * never stop changing.
 */
const byObject = new WeakMap<object, { server: string; classification: Classification }>();
let byText = new Map<string, Classification>();
const MAX_CLASSIFICATIONS = 5000;

/** `classifyTool(definition, server)`, computed once per definition (object or equal text) and server. */
export function classificationOf(definition: ToolDefinition, server: string): Classification {
  const known = byObject.get(definition);
  if (known !== undefined && known.server === server) return known.classification;
  const text = `${JSON.stringify(server)}\n${JSON.stringify(definition)}`;
  let classification = byText.get(text);
  if (classification === undefined) {
    if (byText.size >= MAX_CLASSIFICATIONS) byText = new Map();
    classification = deepFreeze(classifyTool(definition, server));
    byText.set(text, classification);
  }
  byObject.set(definition, { server, classification });
  return classification;
}
