/**
 * `defaults:` compiled: one rule per category for the tools no explicit rule names, and the
 * classification those rules are chosen by. The classifier is pure and deterministic, so its
 * answer for a definition object is kept for as long as the object lives, across reloads.
 */
import { isDeepStrictEqual } from 'node:util';
import { classifyTool } from '../catalog/classify.js';
import type { Category, Classification, ToolDefinition } from '../catalog/types.js';
import type { DefaultsConfig } from '../config/types.js';
import type { ConfigProblem } from '../errors.js';
import { PROFILES } from './recommended.js';
import { deepFreeze } from './freeze.js';
import { compileCategoryRule, type RulePlan } from './rule-plan.js';
import type { SchemaCompiler } from './validation.js';

export interface CategoryDefault {
  readonly plan: RulePlan;
  /** The config location, for reasons and explain: `defaults.categories.Execute` or `defaults: recommended (Execute)`. */
  readonly where: string;
}

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
export const CATEGORY_COUNT = Object.keys(CATEGORY_INDEX).length;

export function compileDefaults(
  defaults: DefaultsConfig | undefined,
  file: string,
  schemas: SchemaCompiler,
  problems: ConfigProblem[],
): ReadonlyMap<Category, CategoryDefault> {
  const compiled = new Map<Category, CategoryDefault>();
  if (defaults === undefined) return compiled;
  const profile = defaults.profile === undefined ? undefined : PROFILES[defaults.profile];
  for (const [category, rule] of Object.entries(defaults.categories) as [Category, DefaultsConfig['categories'][Category]][]) {
    if (rule === undefined) continue;
    // Without `written` (a Config built by code), an entry equal to the profile's is taken to be the profile's.
    const fromProfile = profile !== undefined && (defaults.written ? !defaults.written.includes(category) : isDeepStrictEqual(rule, profile[category]));
    const where = fromProfile ? `defaults: ${defaults.profile} (${category})` : `defaults.categories.${category}`;
    compiled.set(category, Object.freeze({ plan: compileCategoryRule(category, rule, file, schemas, problems), where }));
  }
  return compiled;
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
