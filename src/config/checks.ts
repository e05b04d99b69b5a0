/**
 * Checks beyond the JSON Schema: how entries relate to each other (policies name servers,
 * `command` xor `url`), what is valid but not built yet (`require_approval`), and languages
 * embedded in the YAML (CEL conditions, JSON Schemas under `validate.arguments`). These are
 * checked here, where the YAML positions are known, rather than only when the policy compiles.
 * Runs on the raw parsed value, so it guards every type it reads: a value of the wrong type was
 * already reported by the schema check, and is skipped here rather than reported twice.
 */
import { createHash } from 'node:crypto';
import { parse as parseCel } from '@marcbachmann/cel-js';
import { compileAmount } from '../policy/budget-amount.js';
import { compileCondition } from '../policy/conditions.js';
import { checkArgumentsSchema } from './json-schema.js';
import { CATEGORIES, PROFILE_NAMES, configJsonSchema } from './schema.js';
import { closest, suggestHint } from './suggest.js';
import type { YamlSource } from './yaml-source.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const STDIO_ONLY = ['args', 'env', 'cwd', 'sessions'];
const HTTP_ONLY = ['headers'];
const SERVER_KEYS = Object.keys(configJsonSchema.properties.servers.additionalProperties.properties);
const POLICY_KEYS = Object.keys(configJsonSchema.properties.policies.additionalProperties.properties);
const RULE_KEYS = Object.keys(configJsonSchema.properties.policies.additionalProperties.properties.tools.additionalProperties.properties);
const DEFAULTS_KEYS = Object.keys(configJsonSchema.properties.defaults.properties);

/**
 * The value under `key`, or under a key the schema check already reported as a misspelling of it
 * (`tool:` for `tools:`), with the key as written. What is inside is checked either way, so one
 * run reports every problem: fixing the key does not reveal a second round (a broken CEL
 * expression under `condition:`).
 */
function entry(obj: Obj, key: string, known: readonly string[]): [string, unknown] | undefined {
  if (Object.hasOwn(obj, key)) return [key, obj[key]];
  const misspelt = Object.keys(obj).find((k) => !known.includes(k) && closest(k, known) === key);
  return misspelt === undefined ? undefined : [misspelt, obj[misspelt]];
}


export function checkMeaning(data: unknown, source: YamlSource): void {
  if (!isObj(data)) return;
  const servers = isObj(data.servers) ? data.servers : undefined;
  if (servers) for (const [id, server] of Object.entries(servers)) checkServer(id, server, source);
  if (isObj(data.audit) && Array.isArray(data.audit.redact)) checkRedactPaths(data.audit.redact, source);
  if (isObj(data.state)) checkState(data.state, source);
  const channels = Object.keys(isObj(data.notifications) ? data.notifications : {});
  checkDefaults(data.defaults, source, channels);
  if (isObj(data.auth)) checkAuth(data.auth, source);
  if (isObj(data.admin)) checkAdmin(data.admin, source);
  if (!isObj(data.policies)) return;
  for (const [id, policy] of Object.entries(data.policies)) {
    if (servers && !Object.hasOwn(servers, id)) {
      const ids = Object.keys(servers);
      source.report(['policies', id], 'key', `policy for unknown server \`${id}\``,
        ids.length ? suggestHint(id, ids, 'configured servers') : 'no servers are configured; add it under `servers:` first');
    }
    const [toolsKey, tools] = (isObj(policy) && entry(policy, 'tools', POLICY_KEYS)) || [];
    if (isObj(tools)) {
      for (const [pattern, rule] of Object.entries(tools)) checkRule(['policies', id, toolsKey!, pattern], rule, source, channels);
    }
    if (isObj(policy)) checkOverrides(id, policy, source, channels);
  }
}

// --- per-agent overrides (owned by src/identity) ---
/** Override rules are checked as tool rules; a classification there would change nothing (it is the tool's, not the agent's). */
function checkOverrides(server: string, policy: Obj, source: YamlSource, channels: string[]): void {
  for (const kind of ['agents', 'groups']) {
    const overrides = policy[kind];
    if (!isObj(overrides)) continue;
    for (const [name, override] of Object.entries(overrides)) {
      if (!isObj(override) || !isObj(override.tools)) continue;
      for (const [pattern, rule] of Object.entries(override.tools)) {
        const path = ['policies', server, kind, name, 'tools', pattern];
        checkRule(path, rule, source, channels);
        if (isObj(rule) && (rule.category !== undefined || rule.risk !== undefined)) {
          source.report([...path, rule.category !== undefined ? 'category' : 'risk'], 'key', '`category` and `risk` describe the tool, not an agent: they are not read in an agent or group override',
            `set them in policies.${server}.tools, and keep here what this ${kind === 'agents' ? 'agent' : 'group'} may do`);
        }
      }
    }
  }
}
// --- end per-agent overrides ---

// --- auth (owned by src/identity) ---
/** Two agents with one key could not be told apart: the key would name whichever was found first. */
function checkAuth(auth: Obj, source: YamlSource): void {
  checkSecrets(isObj(auth.agents) ? auth.agents : {}, { path: ['auth', 'agents'], field: 'key', what: 'agent', env: 'AGENT_KEY' }, source, new Map());
}

/** Whoever holds a secret given to two entries could not be told apart: each must have its own. */
function checkSecrets(entries: Obj, kind: { path: string[]; field: string; what: string; env: string }, source: YamlSource, seen: Map<string, { what: string; name: string }>): void {
  const { path, field, what, env } = kind;
  const hashed = `${field}_sha256`;
  for (const [name, item] of Object.entries(entries)) {
    if (!isObj(item)) continue;
    if ((item[field] === undefined) === (item[hashed] === undefined)) {
      source.report([...path, name], 'key', `${what} \`${name}\` needs exactly one of \`${field}\` and \`${hashed}\``,
        `give \`${field}: \${${env}}\` (from the environment), or \`${hashed}:\` with the hex SHA-256 of the ${field} (\`printf %s "$${env}" | sha256sum\`)`);
    }
    const plain = item[field];
    const digest = typeof plain === 'string' ? sha256Hex(plain) : typeof item[hashed] === 'string' ? item[hashed].toLowerCase() : undefined;
    if (digest === undefined) continue;
    const other = seen.get(digest);
    if (other !== undefined) {
      const both = other.what === what ? `${what}s \`${other.name}\` and \`${name}\`` : `\`${other.name}\` and ${what} \`${name}\``;
      source.report([...path, name], 'key', `${both} have the same ${field}`, `give every ${what} its own ${field}, so each request names exactly one ${what}`);
    } else seen.set(digest, { what, name });
  }
}
// --- end auth ---

// --- admin (owned by src/admin) ---
/** An operator's token must differ from admin.token too: a request must name exactly one person. */
function checkAdmin(admin: Obj, source: YamlSource): void {
  const seen = new Map<string, { what: string; name: string }>();
  if (typeof admin.token === 'string') seen.set(sha256Hex(admin.token), { what: 'the shared token', name: 'admin.token' });
  checkSecrets(isObj(admin.users) ? admin.users : {}, { path: ['admin', 'users'], field: 'token', what: 'operator', env: 'OPERATOR_TOKEN' }, source, seen);
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
// --- end auth ---

// --- audit (owned by src/audit) ---
/** A redact path is dotted keys; an empty segment (`a..b`, `.a`) would silently redact nothing. */
function checkRedactPaths(paths: unknown[], source: YamlSource): void {
  paths.forEach((path, i) => {
    if (typeof path !== 'string' || path === '' || !path.split('.').includes('')) return;
    source.report(['audit', 'redact', String(i)], 'value', `redact path \`${path}\` has an empty segment`,
      'write keys separated by single dots, e.g. `credentials.token`, `*.secret` or `**.password`');
  });
}
// --- end audit ---

// --- state (owned by src/store) ---
/** `redis:` and `backend:` must agree; `on_unavailable` is about Redis only. */
function checkState(state: Obj, source: YamlSource): void {
  const backend = state.backend;
  if (backend === 'redis' && !isObj(state.redis)) {
    source.report(['state', 'backend'], 'value', 'state.backend is `redis` but no Redis is given', 'add `redis: { url: "${REDIS_URL}" }` under `state:`');
  }
  if (isObj(state.redis) && (backend === 'sqlite' || backend === 'memory')) {
    source.report(['state', 'redis'], 'key', `state.redis is given but state.backend is \`${backend}\``, 'remove `backend:` (a `redis:` section means the Redis backend) or remove `redis:`');
  }
  if ('on_unavailable' in state && !isObj(state.redis)) {
    source.report(['state', 'on_unavailable'], 'key', 'state.on_unavailable applies to the Redis backend only', 'add `redis: { url: ... }` under `state:`, or remove `on_unavailable`');
  }
}
// --- end state ---

function checkServer(id: string, server: unknown, source: YamlSource): void {
  if (!isObj(server)) return;
  const path = ['servers', id];
  const hasCommand = 'command' in server;
  const hasUrl = 'url' in server;
  if (hasCommand && hasUrl) {
    source.report(path, 'key', `server \`${id}\` has both \`command\` and \`url\``,
      'a server is either a local program (`command`, with `args`, `env`, `cwd`, `sessions`) or a Streamable HTTP endpoint (`url`, with `headers`); keep one');
    return;
  }
  if (!hasCommand && !hasUrl) {
    // A misspelt `comand:` already got "did you mean `command`?"; saying it is missing too would mislead.
    const misspelt = Object.keys(server).some((k) => !SERVER_KEYS.includes(k) && closest(k, ['command', 'url']));
    if (!misspelt) {
      source.report(path, 'key', `server \`${id}\` needs \`command\` (a program spoken to over stdio) or \`url\` (a Streamable HTTP endpoint)`,
        'e.g. `command: npx` with `args: [...]`, or `url: http://127.0.0.1:3001/mcp`');
    }
    return;
  }
  const [misplaced, kind, other] = hasCommand
    ? [HTTP_ONLY, 'HTTP servers (with `url`)', 'a stdio']
    : [STDIO_ONLY, 'stdio servers (with `command`)', 'an HTTP'];
  for (const key of misplaced) {
    if (key in server) {
      source.report([...path, key], 'key', `\`${key}\` applies only to ${kind}`, `server \`${id}\` is ${other} server; remove \`${key}\``);
    }
  }
}

// --- defaults and classification overrides (owned by src/policy) ---
function checkDefaults(defaults: unknown, source: YamlSource, channels: string[]): void {
  if (typeof defaults === 'string' && !(PROFILE_NAMES as readonly string[]).includes(defaults)) {
    const near = closest(defaults, PROFILE_NAMES);
    source.report(['defaults'], 'value', `\`${defaults}\` is not a defaults profile`,
      `${near ? `did you mean \`${near}\`? ` : ''}the built-in profile is \`recommended\`; or write a mapping, e.g. \`defaults: { categories: { Execute: { rate_limit: { max: 10, window: 60 } } } }\``);
    return;
  }
  const [categoriesKey, categories] = (isObj(defaults) && entry(defaults, 'categories', DEFAULTS_KEYS)) || [];
  if (!isObj(categories)) return;
  for (const [category, rule] of Object.entries(categories)) {
    // An unknown category is the schema's `unknown key` problem, which lists the seven; a
    // misspelt one (`Wrte`) is still a rule, checked now rather than after the fix.
    if ((CATEGORIES as readonly string[]).includes(category) || closest(category, CATEGORIES) !== undefined) {
      checkRule(['defaults', categoriesKey!, category], rule, source, channels);
    }
  }
}

/**
 * A rule with nothing but `category`/`risk` is a classification override, and the category
 * default still governs its tools. `action: allow` is what every rule does unless told otherwise,
 * so beside only those keys it cannot say "exempt this tool"; refuse it rather than leave the
 * reader guessing which was meant.
 */
function checkOverrideOnly(path: string[], rule: Obj, source: YamlSource): void {
  const keys = Object.keys(rule);
  const classifies = keys.includes('category') || keys.includes('risk');
  if (!classifies || rule.action !== 'allow' || !keys.every((k) => k === 'action' || k === 'category' || k === 'risk')) return;
  source.report([...path, 'action'], 'key', '`action: allow` beside only `category`/`risk` changes nothing: the rule is a classification override, so the category default still applies to these tools',
    'remove `action: allow` to keep it an override; to exempt the tools from category defaults, give them a rule without `category`/`risk` (`{}` allows)');
}
// --- end defaults ---

function checkRule(path: string[], rule: unknown, source: YamlSource, channels: string[]): void {
  if (!isObj(rule)) return;
  if (path[0] === 'policies' && path.length === 4) checkOverrideOnly(path, rule, source);
  checkApproval(path, rule, source, channels);
  const [conditionsKey, conditions] = entry(rule, 'conditions', RULE_KEYS) ?? [];
  if (Array.isArray(conditions)) {
    checkConditionsRun([...path, conditionsKey!], rule.action, conditions, source);
    conditions.forEach((c, i) => checkCondition([...path, conditionsKey!, String(i)], c, source));
  }
  const [validateKey, validate] = entry(rule, 'validate', RULE_KEYS) ?? [];
  if (isObj(validate)) checkValidate([...path, validateKey!], validate, source);
  const [budgetKey, budget] = entry(rule, 'budget', RULE_KEYS) ?? [];
  if (isObj(budget)) checkBudget([...path, budgetKey!], rule.action, budget, source);
}

// --- budgets (owned by src/policy/budget-*) ---
/** A budget's amount must compile to a number, and the budget must be able to run at all. */
function checkBudget(path: string[], action: unknown, budget: Obj, source: YamlSource): void {
  if (action === 'deny' || action === 'hide') {
    source.report(path, 'key', `\`budget\` never counts anything: a rule with \`action: ${action}\` refuses every call before its budget is read`,
      'remove `budget`, or leave `action` out (the rule allows) so the budget decides');
  }
  const expr = budget.amount;
  if (typeof expr !== 'string' || expr === '') return; // the schema's problem
  if (expr.trim() === '') {
    source.report([...path, 'amount'], 'value', '`amount` must not be empty', 'write a CEL expression that yields what the call spends, e.g. args.amount');
    return;
  }
  const compiled = compileAmount(expr);
  if (!('error' in compiled)) return;
  const index = syntaxErrorIndex(expr);
  source.report(
    [...path, 'amount'],
    'value',
    `\`amount\` is not a usable amount: ${compiled.error}${index === undefined ? '' : ` (at character ${index + 1})`}`,
    'an amount is CEL over `args`, `tool`, `server`, `session` and `agent` that yields a number, e.g. args.amount or double(args.amount) * 1.1; see https://cel.dev',
    index === undefined ? undefined : { text: expr, index },
  );
}
// --- end budgets ---

/**
 * A rule's `deny` or `hide` acts before its conditions are read (src/policy/compile.ts,
 * `evaluate`), so conditions beside them would never run: refuse them rather than keep a guard
 * that looks active and is not.
 */
function checkConditionsRun(path: string[], action: unknown, conditions: unknown[], source: YamlSource): void {
  if (conditions.length === 0 || (action !== 'deny' && action !== 'hide')) return;
  const what = action === 'hide' ? 'hides the tool' : 'refuses every call';
  source.report(path, 'key', `\`conditions\` never run: a rule with \`action: ${action}\` ${what} before its conditions are read`,
    action === 'hide'
      ? 'to hide the tool, remove `conditions`; to refuse only some calls, leave `action` out (the rule allows) and give those conditions `action: deny`'
      : 'to refuse only some calls, leave `action` out (the rule allows) and give those conditions `action: deny`; to refuse every call, remove `conditions`');
}

/** `approval:` only means something where a call can be held, and its channels must exist. */
function checkApproval(path: string[], rule: Obj, source: YamlSource, channels: string[]): void {
  if (!isObj(rule.approval)) return;
  const holds = rule.action === 'require_approval' || (Array.isArray(rule.conditions) && rule.conditions.some((c) => isObj(c) && c.action === 'require_approval'));
  if (!holds) {
    source.report([...path, 'approval'], 'key', '`approval` has no effect: neither the rule nor any of its conditions has `action: require_approval`', 'set `action: require_approval`, or remove `approval`');
  }
  if (Array.isArray(rule.approval.notify)) {
    rule.approval.notify.forEach((channel, i) => {
      if (typeof channel === 'string' && !channels.includes(channel)) {
        source.report([...path, 'approval', 'notify', String(i)], 'value', `notification channel \`${channel}\` is not defined`, `add it under \`notifications\`, e.g. notifications: { ${channel}: { url: "https://hooks.example.com/toolgate" } }`);
      }
    });
  }
}

function checkCondition(path: string[], condition: unknown, source: YamlSource): void {
  if (!isObj(condition)) return;
  const expr = condition.if;
  if (typeof expr !== 'string' || expr === '') return; // '' is the schema's `minLength` problem
  if (expr.trim() === '') {
    source.report([...path, 'if'], 'value', '`if` must not be empty', 'write a CEL expression, e.g. args.region == "us-east-1"');
    return;
  }
  // The policy compiler's own check, so an expression that loads is one that runs.
  const compiled = compileCondition(expr);
  if (!('error' in compiled)) return;
  const index = syntaxErrorIndex(expr);
  source.report(
    [...path, 'if'],
    'value',
    `\`if\` is not a usable condition: ${compiled.error}${index === undefined ? '' : ` (at character ${index + 1})`}`,
    'conditions are CEL over `args`, `tool`, `server`, `session` and `agent` that yield true or false, e.g. args.path.startsWith("/etc") && tool == "deploy"; see https://cel.dev',
    index === undefined ? undefined : { text: expr, index },
  );
}

/** Where a CEL syntax error is, to point the problem's column at it. */
function syntaxErrorIndex(expr: string): number | undefined {
  try {
    parseCel(expr);
    return undefined;
  } catch (e) {
    return (e as { range?: { start: number } }).range?.start;
  }
}

function checkValidate(path: string[], validate: Obj, source: YamlSource): void {
  const known = Object.keys(validate).every((k) => k === 'input_schema' || k === 'arguments');
  if (known && validate.input_schema !== true && validate.arguments === undefined) {
    source.report(path, 'key', '`validate` checks nothing: it has no `arguments` and `input_schema` is not true',
      'write `validate: true` to check the tool\'s own inputSchema, add `arguments:` with a JSON Schema, or remove `validate`');
  }
  if (!isObj(validate.arguments)) return;
  for (const issue of checkArgumentsSchema(validate.arguments)) {
    source.report([...path, 'arguments', ...issue.path], issue.anchor, issue.message, issue.hint);
  }
}
