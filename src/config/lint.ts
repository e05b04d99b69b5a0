/**
 * `toolgate validate`'s warnings: parts of a config that load but can never take effect. A rule
 * whose name or glob matches no tool the server lists, a condition, budget amount or
 * `validate.arguments` that names an argument the tool does not have, an override for an agent
 * or group nobody can be. Nothing here refuses a config (the tools a server lists change, and a
 * rule may be written ahead of them); the command prints the warnings and `--strict` fails on them.
 *
 * An argument counts as missing only when the tool's `inputSchema` lists its arguments: it has
 * `properties`, and neither `additionalProperties`/`patternProperties` nor a composition
 * (`allOf`, `anyOf`, `oneOf`, `$ref`, `if`) could let other names in. A schema without
 * `properties` says nothing about names, so it is not checked. `additionalProperties: false`
 * makes an undeclared argument invalid; without it the name is still one no client is told to
 * send, so both are warned about.
 */
import type { ToolDefinition } from '../catalog/types.js';
import { celEnvironment } from '../policy/conditions.js';
import { compileGlob, isGlob } from '../policy/glob.js';
import { keptName } from '../text-bounds.js';
import { closest, listOf } from './suggest.js';
import type { Config, ToolRuleConfig } from './types.js';
import type { Anchor, Path } from './yaml-source.js';

export type LintCode = 'unmatched_rule' | 'unknown_argument' | 'unknown_agent' | 'unknown_group';

export interface LintWarning {
  code: LintCode;
  /** Where in the config file: a rule's key, or the value that names the argument. */
  path: Path;
  anchor: Anchor;
  /** Inside a CEL expression: where the argument is named, to point the column at it. */
  within?: { text: string; index: number };
  message: string;
  hint: string;
}

/** The tools each server lists, by server id; servers missing here are not checked. */
export type ListedTools = ReadonlyMap<string, readonly ToolDefinition[]>;

/** Every warning about the config, the tool ones for the servers in `tools` only. */
export function lintConfig(config: Config, tools: ListedTools): LintWarning[] {
  const warnings: LintWarning[] = [];
  for (const [server, listed] of tools) {
    const policy = config.policies[server];
    if (policy === undefined) continue;
    lintRules(server, ['policies', server, 'tools'], policy.tools, listed, warnings);
    for (const kind of ['agents', 'groups'] as const) {
      for (const [name, override] of Object.entries(policy[kind] ?? {})) {
        lintRules(server, ['policies', server, kind, name, 'tools'], override.tools, listed, warnings);
      }
    }
  }
  lintOverrideNames(config, warnings);
  return warnings;
}

function lintRules(server: string, at: Path, rules: Record<string, ToolRuleConfig>, listed: readonly ToolDefinition[], warnings: LintWarning[]): void {
  const names = listed.map((t) => t.name);
  for (const [pattern, rule] of Object.entries(rules)) {
    const path = [...at, pattern];
    const glob = compileGlob(pattern);
    const matched = listed.filter((t) => glob.matches(t.name));
    if (matched.length === 0) {
      warnings.push({ code: 'unmatched_rule', path, anchor: 'key', ...unmatched(server, pattern, names) });
      continue;
    }
    for (const reference of argumentReferences(rule)) {
      const lacking = matched.filter((tool) => lacksArgument(tool, reference.name));
      if (lacking.length === 0) continue;
      warnings.push({
        code: 'unknown_argument',
        path: [...path, ...reference.path],
        anchor: reference.anchor,
        ...(reference.within ? { within: reference.within } : {}),
        message: `${reference.what} names the argument \`${reference.name}\`, which ${notDeclaredBy(lacking, matched.length)}`,
        hint: argumentHint(reference.name, lacking),
      });
    }
  }
}

function unmatched(server: string, pattern: string, names: string[]): { message: string; hint: string } {
  const listed = `server \`${server}\` lists ${names.length} tool(s)`;
  if (isGlob(pattern)) {
    return { message: `\`${pattern}\` matches no tool of server \`${server}\`: this rule never applies`, hint: `${listed}${names.length ? `: ${listed12(names)}` : ''}` };
  }
  const near = closest(pattern, names);
  return {
    message: `server \`${server}\` has no tool \`${pattern}\`: this rule never applies`,
    hint: near !== undefined ? `did you mean ${shown(near)}?` : `${listed}; \`toolgate catalog --server ${server}\` shows them`,
  };
}

interface ArgumentReference {
  name: string;
  /** Below the rule: `conditions/0/if`, `budget/amount`, `validate/arguments/properties/x`. */
  path: Path;
  anchor: Anchor;
  /** For the message: "condition 1", "the budget amount", "validate.arguments". */
  what: string;
  /** In a CEL expression: the expression and where in it the argument is named. */
  within?: { text: string; index: number };
}

/** Every argument a rule reads by name: in its conditions, its budget amount and its `validate.arguments`. */
function argumentReferences(rule: ToolRuleConfig): ArgumentReference[] {
  const references: ArgumentReference[] = [];
  rule.conditions.forEach((condition, i) => {
    for (const { name, index } of celArguments(condition.if)) {
      references.push({ name, path: ['conditions', i, 'if'], anchor: 'value', what: `condition ${i + 1}`, within: { text: condition.if, index } });
    }
  });
  if (rule.budget !== undefined) {
    const source = rule.budget.amount;
    for (const { name, index } of celArguments(source)) references.push({ name, path: ['budget', 'amount'], anchor: 'value', what: 'the budget amount', within: { text: source, index } });
  }
  const schema = rule.validate?.arguments;
  if (schema !== undefined) {
    const properties = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
    for (const name of properties) references.push({ name, path: ['validate', 'arguments', 'properties', name], anchor: 'key', what: '`validate.arguments`' });
    const required = Array.isArray(schema.required) ? schema.required.filter((n): n is string => typeof n === 'string') : [];
    required.forEach((name, i) => {
      if (!properties.includes(name)) references.push({ name, path: ['validate', 'arguments', 'required', i], anchor: 'value', what: '`validate.arguments` (required)' });
    });
  }
  return references;
}

interface CelNode {
  op: string;
  args: unknown;
  start?: number;
}

/**
 * The names read from `args` in a CEL expression (`args.path`, `args.?path`, `args["path"]`,
 * `has(args.path)`), each once, with the offset of the reference. Found in the parsed
 * expression, so a string that merely contains `args.x` is not one. An expression that does not
 * parse reads nothing here (the loader has already reported it).
 */
export function celArguments(source: string): { name: string; index: number }[] {
  let ast: unknown;
  try {
    ast = celEnvironment().parse(source).ast;
  } catch {
    return [];
  }
  const found = new Map<string, number>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isCelNode(node)) return;
    const args = Array.isArray(node.args) ? node.args : [];
    const [target, key] = args;
    if (isCelNode(target) && target.op === 'id' && target.args === 'args') {
      const name = ['.', '.?'].includes(node.op) && typeof key === 'string' ? key : ['[]', '[?]'].includes(node.op) && isCelNode(key) && key.op === 'value' && typeof key.args === 'string' ? key.args : undefined;
      if (name !== undefined && !found.has(name)) found.set(name, target.start ?? 0);
    }
    args.forEach(visit);
  };
  visit(ast);
  return [...found].map(([name, index]) => ({ name, index }));
}

function isCelNode(value: unknown): value is CelNode {
  return isRecord(value) && typeof value.op === 'string';
}

/** Keywords through which a schema can accept argument names its `properties` do not list. */
const OPENING_KEYWORDS = ['patternProperties', 'allOf', 'anyOf', 'oneOf', '$ref', '$dynamicRef', 'if', 'dependentSchemas', 'unevaluatedProperties'];

/** True when the tool's schema lists its arguments (see the file comment) and `name` is not one. */
function lacksArgument(tool: ToolDefinition, name: string): boolean {
  const declared = declaredArguments(tool);
  return declared !== undefined && !declared.includes(name);
}

function declaredArguments(tool: ToolDefinition): string[] | undefined {
  const schema = tool.inputSchema;
  if (!isRecord(schema) || !isRecord(schema.properties)) return undefined;
  if (OPENING_KEYWORDS.some((k) => schema[k] !== undefined)) return undefined;
  const additional = schema.additionalProperties;
  if (additional !== undefined && additional !== false) return undefined;
  return Object.keys(schema.properties);
}

function notDeclaredBy(lacking: readonly ToolDefinition[], matched: number): string {
  const names = lacking.slice(0, 5).map((t) => shown(t.name)).join(', ') + (lacking.length > 5 ? ', ...' : '');
  if (matched === 1) return `the tool ${names} does not declare`;
  if (lacking.length === matched) return `none of the ${matched} tools the rule matches declares (${names})`;
  return `${lacking.length} of the ${matched} tools the rule matches do not declare (${names})`;
}

function argumentHint(name: string, lacking: readonly ToolDefinition[]): string {
  const declared = declaredArguments(lacking[0]) ?? [];
  const near = closest(name, declared);
  if (near !== undefined) return `did you mean ${shown(near)}?`;
  return declared.length ? `${shown(lacking[0].name)} takes ${listed12(declared)}` : `${shown(lacking[0].name)} takes no arguments`;
}

/**
 * A name the server listed, for a terminal: bounded, in backquotes, control characters escaped
 * (a tool name is the server's text, and an escape sequence in it must not reach the terminal).
 */
function shown(name: string): string {
  return `\`${keptName(name).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\``;
}

/** The first twelve names, shown. */
function listed12(names: readonly string[]): string {
  return names.slice(0, 12).map(shown).join(', ') + (names.length > 12 ? ', ...' : '');
}

/**
 * Overrides for an agent or group that no caller can be. Only when `auth.agents` is written and
 * `auth.oauth` is not: OAuth tokens bring agent ids and groups the config cannot know, and without
 * any agents the names are those of `toolgate stdio --agent` users.
 */
function lintOverrideNames(config: Config, warnings: LintWarning[]): void {
  const agents = config.auth?.agents ?? {};
  const agentNames = Object.keys(agents);
  if (config.auth?.oauth !== undefined || agentNames.length === 0) return;
  const groups = [...new Set(Object.values(agents).flatMap((a) => a.groups))];
  for (const [server, policy] of Object.entries(config.policies)) {
    for (const name of Object.keys(policy.agents ?? {})) {
      if (Object.hasOwn(agents, name)) continue;
      const near = closest(name, agentNames);
      warnings.push({
        code: 'unknown_agent',
        path: ['policies', server, 'agents', name],
        anchor: 'key',
        message: `no agent in auth.agents is named \`${name}\`, and auth.oauth is not set: only \`toolgate stdio --agent ${name}\` calls as it`,
        hint: near !== undefined ? `did you mean \`${near}\`?` : `auth.agents: ${listOf(agentNames)}`,
      });
    }
    for (const name of Object.keys(policy.groups ?? {})) {
      if (groups.includes(name)) continue;
      const near = closest(name, groups);
      warnings.push({
        code: 'unknown_group',
        path: ['policies', server, 'groups', name],
        anchor: 'key',
        message: `no agent in auth.agents is in the group \`${name}\`, and auth.oauth is not set: this override never applies`,
        hint: near !== undefined ? `did you mean \`${near}\`?` : groups.length ? `the groups of auth.agents: ${listOf(groups)}` : `add \`groups: [${name}]\` to the agents it is for`,
      });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
