/**
 * The built-in `recommended` defaults profile (`defaults: recommended`): one rule per tool
 * category, applied to tools that no explicit rule names, and rows by risk and poisoning that
 * come before it. The same table, with the reasons, is in
 * docs/policy-defaults.md; keep the two in step.
 *
 * The profile is written in the loaded form (`ToolRuleConfig`: windows in milliseconds), so the
 * loader can merge it with a file's own `defaults.categories` entries without parsing anything.
 */
import type { Category } from '../catalog/types.js';
import type { RateLimitConfig, ToolRuleConfig } from '../config/types.js';
import { deepFreeze } from './freeze.js';

export type ProfileName = 'recommended';

const perMinute = (max: number): RateLimitConfig => ({ max, windowMs: 60_000, scope: 'session' });

export const RECOMMENDED: Readonly<Partial<Record<Category, Readonly<ToolRuleConfig>>>> = deepFreeze({
  // Read: no entry. Reads are most of an agent's calls and change nothing; they fall to the
  // server's `default`, so a read-only server behaves exactly as it did without defaults.

  // Writes change state but can usually be undone: catch malformed arguments before they land,
  // and cap a runaway loop at a pace no person editing alongside the agent would hit.
  Write: { action: 'allow', validate: { inputSchema: true }, rateLimit: perMinute(30), conditions: [] },
  // Builds, deploys and commands run code with the server's credentials: validate and allow ten
  // a minute per session (the pace the seed page asks for: "rate-limited and argument validation").
  Execute: { action: 'allow', validate: { inputSchema: true }, rateLimit: perMinute(10), conditions: [] },
  // Messages reach people outside the session and cannot be unsent: validate, and five a minute.
  Communication: { action: 'allow', validate: { inputSchema: true }, rateLimit: perMinute(5), conditions: [] },
  // Deleting cannot be undone, money cannot be un-spent, and permission changes decide what every
  // later call may do: a person should say yes to each. Until approvals exist these are refused
  // with a reason that says how to allow the tool with a rule of its own.
  Destructive: { action: 'require_approval', conditions: [] },
  Financial: { action: 'require_approval', conditions: [] },
  Admin: { action: 'require_approval', conditions: [] },
});

export const PROFILES: Readonly<Record<ProfileName, typeof RECOMMENDED>> = Object.freeze({ recommended: RECOMMENDED });

const perMinutePerAgent = (max: number): RateLimitConfig => ({ max, windowMs: 60_000, scope: 'agent' });

/**
 * The profile's rows by risk and poisoning (docs/policy-defaults.md, "Risk and poisoning"). They
 * come before the category entry: the classifier's risk says how much one call can do, and the
 * same category spans a label and a whole database.
 */
export interface RiskRows {
  /** High risk, by category: validated and rate-limited per agent (an agent cannot reset its budget by opening sessions). */
  readonly high: Readonly<Partial<Record<Category, Readonly<ToolRuleConfig>>>>;
  /** Critical risk, any category: a person says yes to each call. */
  readonly critical: Readonly<ToolRuleConfig>;
  /** A definition with poisoning findings: hidden until a person gives the tool a rule of its own. */
  readonly poisoned: Readonly<ToolRuleConfig>;
}

export const RECOMMENDED_RISK_ROWS: RiskRows = deepFreeze({
  // Destructive, Financial and Admin need approval at every risk already: no High row.
  high: {
    // A High read returns secrets (environment, credentials) or bulk personal data.
    Read: { action: 'allow', validate: { inputSchema: true }, rateLimit: perMinutePerAgent(30), conditions: [] },
    Write: { action: 'allow', validate: { inputSchema: true }, rateLimit: perMinutePerAgent(10), conditions: [] },
    Execute: { action: 'allow', validate: { inputSchema: true }, rateLimit: perMinutePerAgent(5), conditions: [] },
    Communication: { action: 'allow', validate: { inputSchema: true }, rateLimit: perMinutePerAgent(3), conditions: [] },
  },
  critical: { action: 'require_approval', conditions: [] },
  // Poisoning works through the description the model reads in tools/list, before any call:
  // holding calls would leave the text in front of the model, hiding the tool takes it away.
  poisoned: { action: 'hide', conditions: [] },
});

export const PROFILE_RISK_ROWS: Readonly<Record<ProfileName, RiskRows>> = Object.freeze({ recommended: RECOMMENDED_RISK_ROWS });
