/**
 * Rules for one agent or group over a server's own (`policies.<server>.agents.<id>` and
 * `policies.<server>.groups.<name>`). Which rules govern a call by agent A to tool T on server S:
 *
 * 1. A's own override, when one of its rules matches T (exact name, else the most specific glob)
 *    or it sets `default`;
 * 2. else the first group override, in the order written, whose group A belongs to and which has
 *    a rule matching T or sets `default`;
 * 3. else the server's own rules (explicit rules, category defaults, the server default).
 *
 * An override governs a tool whole, as an explicit rule does: nothing is merged from the level
 * below. Override rules have their own rate-limit counters (their key names the override).
 */
import type { ServerPolicyConfig } from '../config/types.js';
import type { ConfigProblem } from '../errors.js';
import type { Agent } from '../identity/agent.js';
import { compileServer, matchRule, pointerToken, type ServerPlan } from './rule-plan.js';
import type { SchemaCompiler } from './validation.js';

export interface OverrideScope {
  /** Names the override in caches and rate-limit keys: `<server>@agents.<id>` or `<server>@groups.<name>` (server ids cannot hold `@`). */
  readonly key: string;
  readonly plan: ServerPlan;
  /** The override's own `default`; absent: tools without a rule here fall through. */
  readonly fallback: 'allow' | 'deny' | undefined;
  /** `policies.<server>.agents.<id>` as path segments, for `explain` and messages. */
  readonly path: readonly string[];
}

export interface ServerOverrides {
  readonly agents: ReadonlyMap<string, OverrideScope>;
  readonly groups: ReadonlyArray<{ readonly group: string; readonly scope: OverrideScope }>;
  /** Some override hides a tool: the server's tool list then depends on who asks. */
  readonly hides: boolean;
}

export function compileOverrides(server: string, policy: ServerPolicyConfig, file: string, schemas: SchemaCompiler, problems: ConfigProblem[]): ServerOverrides | undefined {
  if (policy.agents === undefined && policy.groups === undefined) return undefined;
  let hides = false;
  const scope = (kind: 'agents' | 'groups', name: string, override: NonNullable<ServerPolicyConfig['agents']>[string]): OverrideScope => {
    const pointer = `/policies/${pointerToken(server)}/${kind}/${pointerToken(name)}`;
    const plan = compileServer(server, { default: override.default ?? 'allow', tools: override.tools }, file, schemas, problems, pointer);
    hides ||= Object.values(override.tools).some((rule) => rule.action === 'hide' || rule.conditions.some((c) => c.action === 'hide'));
    return Object.freeze({ key: `${server}@${kind}.${name}`, plan, fallback: override.default, path: Object.freeze(['policies', server, kind, name]) });
  };
  const agents = new Map(Object.entries(policy.agents ?? {}).map(([id, override]) => [id, scope('agents', id, override)] as const));
  const groups = Object.entries(policy.groups ?? {}).map(([group, override]) => Object.freeze({ group, scope: scope('groups', group, override) }));
  return Object.freeze({ agents, groups: Object.freeze(groups), hides });
}

/** The override that governs `tool` for `agent`, or undefined: the server's own rules do. */
export function overrideFor(overrides: ServerOverrides | undefined, tool: string, agent: Agent | undefined): OverrideScope | undefined {
  if (overrides === undefined || agent === undefined) return undefined;
  const governs = (scope: OverrideScope) => scope.fallback !== undefined || matchRule(scope.plan.rules, tool) !== undefined;
  const own = overrides.agents.get(agent.id);
  if (own && governs(own)) return own;
  for (const { group, scope } of overrides.groups) if (agent.groups.includes(group) && governs(scope)) return scope;
  return undefined;
}
