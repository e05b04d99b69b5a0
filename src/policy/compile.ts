/**
 * Turns a loaded Config into a CompiledPolicy: every glob, CEL expression and JSON Schema is
 * prepared once here, so evaluating a call does lookups and runs prepared functions only.
 * A compiled policy never changes; a reload compiles a new one and swaps the reference.
 *
 * Which rule governs a call to tool T on server S (docs/policy-defaults.md says the same):
 *
 * 0. When the call's agent has an override on S (`policies.S.agents.<id>`, `policies.S.groups.<name>`)
 *    that has a rule for T or a `default`: that governs (the order is in agent-overrides.ts).
 * 1. An explicit rule of `policies.S.tools`: the key that is exactly T, else the matching glob
 *    with the most literal characters, ties to the one written first. The whole rule governs;
 *    nothing is merged into it from category defaults or the server default.
 * 2. Else, when `defaults` has category entries and the server's `default` is `allow`: the entry
 *    for T's category. The category is the `category:` of the most specific rule that sets one
 *    (an override), else the classifier's verdict on T's definition from tools/list. A category
 *    without an entry falls to step 3. When neither an override nor a definition is at hand, the
 *    call is refused: a rule that cannot be chosen does not let the call through.
 * 3. Else the server's `default` (`allow` when the server has no policy).
 *
 * A rule that sets only `category`/`risk` is a classification override, not an explicit rule:
 * it never governs in step 1, so the category default (step 2) still applies to its tools.
 *
 * Category defaults do not apply on a `default: deny` server: such a server has said that only
 * the tools its rules name may run, and an `allow` category entry must not open it up. (Entries
 * that deny would only change the wording of the same refusal.)
 */
import type { Risk, ToolDefinition } from '../catalog/types.js';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_CALL_TIMEOUT_MS, LIMIT_DEFAULTS } from '../config/build.js';
import type { Config, Mode, PinningMode } from '../config/types.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { DEFAULT_SLOTS, classificationOf, compileDefaults, defaultSlot, riskTier, type CompiledDefaults } from './category-defaults.js';
import type { ConditionInput } from './conditions.js';
import { buildExplanation, configPath, type ExplainInput } from './explain.js';
import { compileOverrides, overrideFor, type OverrideScope, type ServerOverrides } from './agent-overrides.js';
import { deepFreeze } from './freeze.js';
import { anonymousAgent, type Agent } from '../identity/agent.js';
import { categoryGoverning, governing, serverDefault, unknownCategory, type Governing, type ResolvedRule } from './governing.js';
import { budgetKey, callKeySuffix } from './rate-limit-key.js';
import * as reasons from './reasons.js';
import { policyRevision } from './revision.js';
import { EMPTY_SERVER, compileServer, matchRule, type RulePlan, type ServerPlan } from './rule-plan.js';
import type { ApprovalRule, BudgetCheck, Explanation, RateLimitCheck, RuleRef, ToolCall, ValidationIssue, Verdict } from './types.js';
import { SchemaCompiler, UpstreamSchemaCache, issuesText, validationIssues, withCheckedSchemas } from './validation.js';

const ANONYMOUS_CONDITION_AGENT = anonymousAgent();

/** What CEL expressions (conditions, budget amounts) read of a call. */
function celInput(call: ToolCall): ConditionInput {
  const agent = call.agent ?? ANONYMOUS_CONDITION_AGENT;
  return { args: call.args ?? {}, tool: call.tool, server: call.server, session: call.session ?? '', agent: { id: agent.id, groups: agent.groups, claims: agent.claims } };
}

/** A `require_approval` with no `approval:` block (e.g. the recommended profile's). */
const DEFAULT_APPROVAL: ApprovalRule = Object.freeze({ timeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS, notify: [], via: 'dashboard' as const });

export type { ResolvedRule } from './governing.js';

export interface CompiledPolicy {
  /** Short stable hash of the policy content (sha256 of canonical JSON, 12 hex chars), for audit. */
  readonly revision: string;
  /** The server's own mode, else the top-level one. */
  modeFor(server: string): Mode;
  /** The server's own `pinning`, else the top-level one. */
  pinningFor(server: string): PinningMode;
  /**
   * Which rule governs this tool (see the precedence above). `definition` is needed only when a
   * category default could govern; without it such a tool resolves to the refusal for an unknown category.
   * `agent`: whose rule (an agent's or group's override may govern, see agent-overrides.ts); absent: the server's own.
   */
  ruleFor(server: string, tool: string, definition?: ToolDefinition, agent?: Agent): ResolvedRule;
  /** True when the governing rule's action is `hide` (used to filter tools/list, where definitions are at hand). */
  isHidden(server: string, tool: string, definition?: ToolDefinition, agent?: Agent): boolean;
  /** True when some agent's or group's override on the server hides a tool: its tool list depends on who asks. */
  hidesPerAgent(server: string): boolean;
  /**
   * True when `evaluate` needs the tool's definition from tools/list: the governing rule validates
   * against its inputSchema, or the rule depends on the tool's category and no override gives it.
   */
  needsDefinition(server: string, tool: string, agent?: Agent): boolean;
  /**
   * Pure: no I/O. `definition` is the upstream's tool object from tools/list when needsDefinition
   * said so (undefined if the upstream did not list the tool); the policy classifies it itself and
   * takes its inputSchema for validation. Pass the same object for repeated calls: classification
   * is cached by identity.
   * Verdicts that do not depend on the call are built once and shared, frozen: copy before changing one.
   */
  evaluate(call: ToolCall, definition?: ToolDefinition): Verdict;
  /** The tool's effective rule, where each part comes from, and its classification. Not for the hot path. */
  explain(server: string, tool: string, definition?: ToolDefinition, agent?: Agent): Explanation;
  /** How long the upstream may take to answer this call, and the config key that says so (to name in errors). */
  callTimeout(server: string, tool: string, definition?: ToolDefinition, agent?: Agent): CallTimeout;
  /** `limits.tool_name_length`: longer tool names are refused before any rule is looked up. */
  readonly toolNameLength: number;
}

export interface CallTimeout {
  ms: number;
  /** Where to change it, e.g. `policies.app.tools.slow.timeout` or `servers.app.call_timeout (default 5m)`. */
  setting: string;
}

/** Everything known about one (server, tool) before a call arrives; cached. */
interface Resolution {
  /** The governing rule, when it does not depend on the tool's definition. */
  readonly fixed: Governing | undefined;
  /** Otherwise: by category, built on first use. */
  readonly byCategory: Array<Governing | undefined> | undefined;
  /** Otherwise, and the definition is missing. */
  unknown: Governing | undefined;
  /** A `risk:` a rule sets for the tool, which picks the risk row instead of the classifier's risk. */
  readonly riskOverride?: Risk;
}

/** Resolutions kept before the cache is emptied; bounds memory when agents call endless names. */
const MAX_CACHED_RESOLUTIONS = 10_000;
/** The characters of tool names in the cache, at most (each resolution quotes its name a few times). */
const MAX_CACHED_NAME_CHARS = 1_000_000;
/** A longer name is resolved for each call and never cached: no real tool is named so, and its resolution quotes it. */
const MAX_CACHED_NAME_LENGTH = 256;

export function compilePolicy(config: Config): CompiledPolicy {
  // A private frozen copy: later changes to the Config object cannot reach the compiled policy.
  const policies = deepFreeze(withCheckedSchemas(config.policies, structuredClone(config.policies)));
  const defaults = config.defaults && deepFreeze(withCheckedSchemas(config.defaults, structuredClone(config.defaults)));
  const problems: ConfigProblem[] = [];
  const file = config.file ?? '<config>';
  const schemas = new SchemaCompiler('config');
  const servers = new Map<string, ServerPlan>();
  const overrides = new Map<string, ServerOverrides>();
  for (const [server, policy] of Object.entries(policies)) {
    servers.set(server, compileServer(server, policy, file, schemas, problems));
    const own = compileOverrides(server, policy, file, schemas, problems);
    if (own) overrides.set(server, own);
  }
  const categories = compileDefaults(defaults, file, schemas, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const modes = new Map<string, Mode>();
  const pinning = new Map<string, PinningMode>();
  const callTimeouts = new Map<string, number>();
  for (const [id, server] of Object.entries(config.servers)) {
    modes.set(id, server.mode ?? config.mode);
    pinning.set(id, server.pinning ?? config.pinning);
    if (server.callTimeoutMs !== undefined) callTimeouts.set(id, server.callTimeoutMs);
  }
  const revision = policyRevision({ ...config, policies, defaults });
  const toolNameLength = (config.limits ?? LIMIT_DEFAULTS).toolNameLength; // Configs built in code may leave limits out
  return Object.freeze(
    new Policy({ revision, mode: config.mode, modes, pinning: config.pinning, pinnings: pinning, callTimeouts, toolNameLength, servers, overrides, categories }),
  );
}

interface PolicyParts {
  revision: string;
  mode: Mode;
  modes: ReadonlyMap<string, Mode>;
  pinning: PinningMode;
  pinnings: ReadonlyMap<string, PinningMode>;
  /** `servers.<id>.call_timeout` where set. */
  callTimeouts: ReadonlyMap<string, number>;
  toolNameLength: number;
  servers: ReadonlyMap<string, ServerPlan>;
  /** Per-agent and per-group overrides, for servers that have some. */
  overrides: ReadonlyMap<string, ServerOverrides>;
  categories: CompiledDefaults;
}

class Policy implements CompiledPolicy {
  readonly revision: string;
  readonly toolNameLength: number;
  readonly #parts: PolicyParts;
  readonly #resolved = new Map<string, Map<string, Resolution>>();
  #resolvedCount = 0;
  #resolvedChars = 0;
  readonly #upstreamSchemas = new UpstreamSchemaCache();

  constructor(parts: PolicyParts) {
    this.revision = parts.revision;
    this.toolNameLength = parts.toolNameLength;
    this.#parts = parts;
  }

  callTimeout(server: string, tool: string, definition?: ToolDefinition, agent?: Agent): CallTimeout {
    const g = this.#governing(server, tool, definition, agent).g;
    const ruleMs = g.plan?.config.timeoutMs;
    if (ruleMs !== undefined) return { ms: ruleMs, setting: `\`timeout\` of ${this.#where(server, g)}` };
    const serverMs = this.#parts.callTimeouts.get(server);
    if (serverMs !== undefined) return { ms: serverMs, setting: `servers.${server}.call_timeout` };
    return { ms: DEFAULT_CALL_TIMEOUT_MS, setting: `servers.${server}.call_timeout (not set: the default)` };
  }

  modeFor(server: string): Mode {
    return this.#parts.modes.get(server) ?? this.#parts.mode;
  }

  pinningFor(server: string): PinningMode {
    return this.#parts.pinnings.get(server) ?? this.#parts.pinning;
  }

  ruleFor(server: string, tool: string, definition?: ToolDefinition, agent?: Agent): ResolvedRule {
    const g = this.#governing(server, tool, definition, agent).g;
    return { pattern: g.pattern, action: g.action, isDefault: g.isDefault, kind: g.kind, ...(g.config ? { config: g.config } : {}) };
  }

  isHidden(server: string, tool: string, definition?: ToolDefinition, agent?: Agent): boolean {
    const r = this.#resolve(server, tool, overrideFor(this.#parts.overrides.get(server), tool, agent));
    if (r.fixed !== undefined) return r.fixed.action === 'hide';
    // Classify only when a category could hide: tools/list answers bring new objects each time.
    return this.#parts.categories.hides && definition !== undefined && this.#byDefinition(r, server, tool, definition).action === 'hide';
  }

  hidesPerAgent(server: string): boolean {
    return this.#parts.overrides.get(server)?.hides ?? false;
  }

  needsDefinition(server: string, tool: string, agent?: Agent): boolean {
    const g = this.#resolve(server, tool, overrideFor(this.#parts.overrides.get(server), tool, agent)).fixed;
    if (g === undefined) return true;
    return g.plan?.config.validate?.inputSchema === true && (g.action === 'allow' || g.action === 'require_approval');
  }

  /**
   * Order: the rule's action (deny, hide) → conditions, first match acts → validation (the tool's
   * inputSchema, then `validate.arguments`) → the budget's amount (refused if it cannot be read) →
   * require_approval (the rule's, or a matching condition's): hold → else allow; both carry the
   * rule's rate limit and budget, which the gateway then takes in that order.
   *
   * A condition that fails at run time (missing field, wrong type, non-boolean result) refuses the
   * call with a `deny` naming the expression and the error, whatever that condition's action: a
   * gateway must not let a call through because its guard crashed (fail closed).
   */
  evaluate(call: ToolCall, definition?: ToolDefinition): Verdict {
    const g = this.#governing(call.server, call.tool, definition, call.agent).g;
    const plan = g.plan;
    if (plan === undefined) return g.pass!;
    const action = plan.config.action;
    if (action === 'deny' || action === 'hide') return g.actionVerdict!;
    let allowedBy: RuleRef | undefined;
    let heldBy: RuleRef | undefined;
    if (plan.conditions.length > 0) {
      const input = celInput(call);
      for (const c of plan.conditions) {
        const outcome = c.condition.test(input);
        if (outcome.kind === 'no_match') continue;
        if (outcome.kind === 'error') {
          const label = reasons.ruleLabel(plan.pattern, plan.category);
          return { kind: 'deny', rule: c.ref, reason: reasons.conditionFailed(label, c.index, c.condition.source, outcome.message) };
        }
        if (c.verdict) return c.verdict;
        if (c.holds) heldBy = c.ref;
        else allowedBy = c.ref;
        break;
      }
    }
    const invalid = this.#validate(plan, call, definition);
    if (invalid) return invalid;
    if (action === 'require_approval' && allowedBy === undefined) heldBy ??= plan.actionRef;
    const budget = this.#budget(plan, call);
    if (budget !== undefined && 'kind' in budget) return budget;
    if (heldBy !== undefined) {
      const approval = plan.config.approval ?? DEFAULT_APPROVAL;
      const rateLimit = this.#rateLimit(g, plan, call);
      return { kind: 'hold', rule: heldBy, approval, ...(rateLimit ? { rateLimit } : {}), ...(budget ? { budget } : {}) };
    }
    if (allowedBy === undefined && g.pass && budget === undefined) return g.pass;
    const rule = allowedBy ?? plan.actionRef;
    const rateLimit = this.#rateLimit(g, plan, call);
    return { kind: 'allow', rule, ...(rateLimit ? { rateLimit } : {}), ...(budget ? { budget } : {}) };
  }

  /**
   * What the call spends of the rule's budget, or the refusal when its amount cannot be read:
   * a budget must not let a call through because its amount is missing or nonsense (fail closed).
   */
  #budget(plan: RulePlan, call: ToolCall): BudgetCheck | Extract<Verdict, { kind: 'deny' }> | undefined {
    const budget = plan.config.budget;
    if (budget === undefined || plan.budgetAmount === undefined) return undefined;
    const outcome = plan.budgetAmount.of(celInput(call));
    if (!outcome.ok) {
      const label = reasons.ruleLabel(plan.pattern, plan.category);
      return { kind: 'deny', rule: plan.budgetRef, reason: reasons.amountUnreadable(label, plan.budgetAmount.source, outcome.problem) };
    }
    return {
      key: budgetKey(budget.scope, call.server, plan.pattern, call.tool, call.session, call.agent?.id),
      amount: outcome.amount,
      max: budget.max,
      windowMs: budget.windowMs,
      scope: budget.scope,
      giveBackOn: budget.giveBackOn,
      rule: plan.budgetRef,
    };
  }

  explain(server: string, tool: string, definition?: ToolDefinition, agent?: Agent): Explanation {
    const plans = this.#parts.servers.get(server) ?? EMPTY_SERVER;
    const { r, g } = this.#governing(server, tool, definition, agent);
    const categoryRule = matchRule(plans.categories, tool);
    const riskRule = matchRule(plans.risks, tool);
    const classifierNeeded = definition !== undefined && (categoryRule === undefined || riskRule === undefined);
    const input: ExplainInput = {
      server,
      tool,
      governing: { kind: g.kind, key: this.#sourceKey(g), where: this.#where(server, g), config: g.config, action: g.action, reason: g === r.unknown ? reasons.categoryUnknown(server, tool) : undefined },
      categoryOverride: categoryRule && { value: categoryRule.config.category!, where: configPath('policies', server, 'tools', categoryRule.pattern) },
      riskOverride: riskRule && { value: riskRule.config.risk as Risk, where: configPath('policies', server, 'tools', riskRule.pattern) },
      classification: classifierNeeded ? classificationOf(definition, server) : undefined,
    };
    return buildExplanation(input);
  }

  #sourceKey(g: Governing): string {
    if (g.kind === 'category_default') return g.plan?.category ?? 'unknown';
    return g.isDefault ? 'default' : g.pattern;
  }

  #where(server: string, g: Governing): string {
    if (g.where !== undefined) return g.where;
    if (g.kind === 'tool_rule') return configPath('policies', server, 'tools', g.pattern);
    if (g.kind === 'server_default') {
      return this.#parts.servers.has(server) ? configPath('policies', server, 'default') : `${configPath('policies', server)} (not set: every tool allowed)`;
    }
    const where = g.plan === undefined ? undefined : this.#parts.categories.whereOf(g.plan.pattern);
    return where ?? 'defaults (the tool\'s category is unknown)';
  }

  #validate(plan: RulePlan, call: ToolCall, definition: ToolDefinition | undefined): Verdict | undefined {
    const args = call.args ?? {};
    let issues: ValidationIssue[] | undefined;
    if (plan.config.validate?.inputSchema) {
      const inputSchema = definition?.inputSchema;
      if (inputSchema === null || typeof inputSchema !== 'object') {
        const reason = reasons.schemaMissing(call.server, call.tool, plan.category);
        const issue = { path: '', message: 'no input schema was published for this tool' };
        return { kind: 'invalid', rule: plan.validateRef, reason, issues: [issue] };
      }
      const compiled = this.#upstreamSchemas.get(inputSchema);
      if (!compiled.ok) {
        const reason = reasons.schemaUnusable(call.server, call.tool, compiled.error);
        const issue = { path: '', message: `the input schema cannot be compiled: ${compiled.error}` };
        return { kind: 'invalid', rule: plan.validateRef, reason, issues: [issue] };
      }
      issues = validationIssues(compiled.validate, args);
    }
    if (plan.argumentsSchema) {
      const more = validationIssues(plan.argumentsSchema, args);
      if (more) issues = issues ? issues.concat(more) : more;
    }
    if (!issues) return undefined;
    return { kind: 'invalid', rule: plan.validateRef, reason: reasons.invalidArguments(call.tool, issuesText(issues)), issues };
  }

  #rateLimit(g: Governing, plan: RulePlan, call: ToolCall): RateLimitCheck | undefined {
    const limit = plan.config.rateLimit;
    if (limit === undefined) return undefined;
    if (g.keyPrefix === undefined) return (g.pass as { rateLimit?: RateLimitCheck }).rateLimit;
    const key = g.keyPrefix + callKeySuffix(g.keyScope === 'session' ? call.session : call.agent?.id);
    return { key, max: limit.max, windowMs: limit.windowMs, scope: limit.scope, rule: plan.rateLimitRef };
  }

  /** The rule that governs the tool for this agent: its override's (agent-overrides.ts), else the server's. */
  #governing(server: string, tool: string, definition: ToolDefinition | undefined, agent: Agent | undefined): { r: Resolution; g: Governing } {
    const r = this.#resolve(server, tool, overrideFor(this.#parts.overrides.get(server), tool, agent));
    return { r, g: r.fixed ?? this.#byDefinition(r, server, tool, definition) };
  }

  #resolve(server: string, tool: string, scope?: OverrideScope): Resolution {
    const cacheKey = scope?.key ?? server;
    let perServer = this.#resolved.get(cacheKey);
    const cached = perServer?.get(tool);
    if (cached) return cached;
    const resolution = scope ? this.#buildOverride(server, tool, scope) : this.#build(server, tool);
    if (tool.length > MAX_CACHED_NAME_LENGTH) return resolution;
    if (this.#resolvedCount >= MAX_CACHED_RESOLUTIONS || this.#resolvedChars + tool.length > MAX_CACHED_NAME_CHARS) {
      this.#resolved.clear();
      this.#resolvedCount = 0;
      this.#resolvedChars = 0;
      perServer = undefined;
    }
    if (!perServer) this.#resolved.set(cacheKey, (perServer = new Map()));
    perServer.set(tool, resolution);
    this.#resolvedCount += 1;
    this.#resolvedChars += tool.length;
    return resolution;
  }

  #build(server: string, tool: string): Resolution {
    const plans = this.#parts.servers.get(server) ?? EMPTY_SERVER;
    const explicit = matchRule(plans.rules, tool);
    const fixed = (g: Governing): Resolution => ({ fixed: g, byCategory: undefined, unknown: undefined });
    if (explicit !== undefined) {
      const verdict = explicit.actionVerdict;
      return fixed(governing('tool_rule', server, tool, explicit, verdict));
    }
    if (!this.#parts.categories.any || plans.fallback === 'deny') return fixed(serverDefault(server, tool, plans.fallback));
    const override = matchRule(plans.categories, tool);
    const risk = matchRule(plans.risks, tool)?.config.risk as Risk | undefined;
    if (override !== undefined) {
      // A person who set the category has looked at the tool: only a risk they set moves it to a risk row.
      const where = configPath('policies', server, 'tools', override.pattern);
      const category = override.config.category!;
      return fixed(categoryGoverning(server, tool, category, this.#parts.categories.entry(category, riskTier(risk, false)), where));
    }
    return { fixed: undefined, byCategory: new Array<Governing | undefined>(DEFAULT_SLOTS), unknown: undefined, riskOverride: risk };
  }

  /** An override governs whole: its rule for the tool, else its default (overrideFor chose it for one of the two). */
  #buildOverride(server: string, tool: string, scope: OverrideScope): Resolution {
    const rule = matchRule(scope.plan.rules, tool);
    const g = rule !== undefined
      ? { ...governing('tool_rule', scope.key, tool, rule, rule.actionVerdict), where: configPath(...scope.path, 'tools', rule.pattern) }
      : { ...serverDefault(server, tool, scope.fallback!), where: configPath(...scope.path, 'default') };
    return { fixed: Object.freeze(g), byCategory: undefined, unknown: undefined };
  }

  /** The rule for a tool whose rule depends on its category, found from its definition. */
  #byDefinition(r: Resolution, server: string, tool: string, definition: ToolDefinition | undefined): Governing {
    if (definition === undefined) {
      r.unknown ??= unknownCategory(server, tool);
      return r.unknown;
    }
    const classification = classificationOf(definition, server);
    const category = classification.category;
    // A risk set in a rule is a person's judgement of the tool: it also accepts its findings.
    const tier = riskTier(r.riskOverride ?? classification.risk, r.riskOverride === undefined && classification.findings.some((f) => f.kind === 'poisoning'));
    const slot = defaultSlot(category, tier);
    return (r.byCategory![slot] ??= categoryGoverning(server, tool, category, this.#parts.categories.entry(category, tier), undefined));
  }
}

