/**
 * Turns a loaded Config into a CompiledPolicy: every glob, CEL expression and JSON Schema is
 * prepared once here, so evaluating a call does lookups and runs prepared functions only.
 * A compiled policy never changes; a reload compiles a new one and swaps the reference.
 */
import type { Config, Mode, RuleAction, ToolRuleConfig } from '../config/types.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import type { ConditionInput } from './conditions.js';
import { rateLimitKey, sessionKeyPrefix, sessionKeySuffix } from './rate-limit-key.js';
import * as reasons from './reasons.js';
import { policyRevision } from './revision.js';
import { EMPTY_SERVER, compileServer, matchGlob, type RulePlan, type ServerPlan } from './rule-plan.js';
import type { RateLimitCheck, RuleRef, ToolCall, ValidationIssue, Verdict } from './types.js';
import { SchemaCompiler, UpstreamSchemaCache, issuesText, validationIssues } from './validation.js';

export interface CompiledPolicy {
  /** Short stable hash of the policy content (sha256 of canonical JSON, 12 hex chars), for audit. */
  readonly revision: string;
  /** The server's own mode, else the top-level one. */
  modeFor(server: string): Mode;
  /** Which rule governs this tool: exact name beats glob, longer glob (more literal characters) beats shorter, ties by declaration order; then the server default. */
  ruleFor(server: string, tool: string): ResolvedRule;
  /** True when the governing rule's action is `hide` (used to filter tools/list). */
  isHidden(server: string, tool: string): boolean;
  /** True when the governing rule validates against the tool's own inputSchema (the gateway then fetches/caches the schema). */
  needsInputSchema(server: string, tool: string): boolean;
  /**
   * Pure: no I/O. `inputSchema` is the tool's schema from the upstream's tools/list when needsInputSchema said so (undefined if the upstream did not list the tool).
   * Verdicts that do not depend on the call are built once and shared, frozen: copy before changing one.
   */
  evaluate(call: ToolCall, inputSchema?: object): Verdict;
}

export interface ResolvedRule {
  /** The tool-rule key that governs the tool, or `default` when no rule names it. */
  readonly pattern: string;
  /** The rule's action, or the server default (`allow` / `deny`) when no rule names the tool. */
  readonly action: RuleAction;
  readonly isDefault: boolean;
  /** The rule as configured (a frozen copy); absent for the default. */
  readonly config?: ToolRuleConfig;
}

/** Everything known about one (server, tool) before a call arrives; cached. */
interface Resolution extends ResolvedRule {
  readonly plan: RulePlan | undefined;
  /** Verdict of a call that passes every check, when it does not depend on the call (no session-scoped limit). */
  readonly pass: Verdict | undefined;
  /** For session-scoped limits: the key without the session. */
  readonly keyPrefix: string | undefined;
}

const DEFAULT_REF: RuleRef = Object.freeze({ pattern: 'default', part: 'default' });
/** Resolutions kept before the cache is emptied; bounds memory when agents call endless names. */
const MAX_CACHED_RESOLUTIONS = 10_000;

export function compilePolicy(config: Config): CompiledPolicy {
  // A private frozen copy: later changes to the Config object cannot reach the compiled policy.
  const policies = deepFreeze(structuredClone(config.policies));
  const problems: ConfigProblem[] = [];
  const file = config.file ?? '<config>';
  const schemas = new SchemaCompiler('config');
  const servers = new Map<string, ServerPlan>();
  for (const [server, policy] of Object.entries(policies)) {
    servers.set(server, compileServer(server, policy, file, schemas, problems));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const modes = new Map<string, Mode>();
  for (const [id, server] of Object.entries(config.servers)) modes.set(id, server.mode ?? config.mode);
  const revision = policyRevision({ ...config, policies });
  return Object.freeze(new Policy(revision, config.mode, modes, servers));
}

class Policy implements CompiledPolicy {
  readonly revision: string;
  readonly #mode: Mode;
  readonly #modes: ReadonlyMap<string, Mode>;
  readonly #servers: ReadonlyMap<string, ServerPlan>;
  readonly #resolved = new Map<string, Map<string, Resolution>>();
  #resolvedCount = 0;
  readonly #upstreamSchemas = new UpstreamSchemaCache();

  constructor(revision: string, mode: Mode, modes: ReadonlyMap<string, Mode>, servers: ReadonlyMap<string, ServerPlan>) {
    this.revision = revision;
    this.#mode = mode;
    this.#modes = modes;
    this.#servers = servers;
  }

  modeFor(server: string): Mode {
    return this.#modes.get(server) ?? this.#mode;
  }

  ruleFor(server: string, tool: string): ResolvedRule {
    return this.#resolve(server, tool);
  }

  isHidden(server: string, tool: string): boolean {
    return this.#resolve(server, tool).action === 'hide';
  }

  needsInputSchema(server: string, tool: string): boolean {
    const r = this.#resolve(server, tool);
    return r.plan?.config.validate?.inputSchema === true && (r.action === 'allow' || r.action === 'require_approval');
  }

  /**
   * Order: the rule's action (deny, hide) → conditions, first match acts → validation (the tool's
   * inputSchema, then `validate.arguments`) → require_approval → allow with the rule's rate limit.
   *
   * A condition that fails at run time (missing field, wrong type, non-boolean result) refuses the
   * call with a `deny` naming the expression and the error, whatever that condition's action: a
   * gateway must not let a call through because its guard crashed (fail closed).
   */
  evaluate(call: ToolCall, inputSchema?: object): Verdict {
    const r = this.#resolve(call.server, call.tool);
    const plan = r.plan;
    if (plan === undefined) return r.pass!;
    const action = plan.config.action;
    if (action === 'deny' || action === 'hide') return plan.actionVerdict!;
    let allowedBy: RuleRef | undefined;
    if (plan.conditions.length > 0) {
      const input: ConditionInput = { args: call.args ?? {}, tool: call.tool, server: call.server, session: call.session ?? '' };
      for (const c of plan.conditions) {
        const outcome = c.condition.test(input);
        if (outcome.kind === 'no_match') continue;
        if (outcome.kind === 'error') {
          return { kind: 'deny', rule: c.ref, reason: reasons.conditionFailed(plan.pattern, c.index, c.condition.source, outcome.message) };
        }
        if (c.verdict) return c.verdict;
        allowedBy = c.ref;
        break;
      }
    }
    const invalid = this.#validate(plan, call, inputSchema);
    if (invalid) return invalid;
    if (action === 'require_approval' && allowedBy === undefined) return plan.actionVerdict!;
    if (allowedBy === undefined && r.pass) return r.pass;
    const rule = allowedBy ?? plan.actionRef;
    const rateLimit = this.#rateLimit(r, plan, call);
    return rateLimit ? { kind: 'allow', rule, rateLimit } : { kind: 'allow', rule };
  }

  #validate(plan: RulePlan, call: ToolCall, inputSchema: object | undefined): Verdict | undefined {
    const args = call.args ?? {};
    let issues: ValidationIssue[] | undefined;
    if (plan.config.validate?.inputSchema) {
      if (inputSchema === undefined) {
        const reason = reasons.schemaMissing(call.server, call.tool);
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

  #rateLimit(r: Resolution, plan: RulePlan, call: ToolCall): RateLimitCheck | undefined {
    const limit = plan.config.rateLimit;
    if (limit === undefined) return undefined;
    if (r.keyPrefix === undefined) return (r.pass as { rateLimit?: RateLimitCheck }).rateLimit;
    const key = r.keyPrefix + sessionKeySuffix(call.session);
    return { key, max: limit.max, windowMs: limit.windowMs, scope: limit.scope, rule: plan.rateLimitRef };
  }

  #resolve(server: string, tool: string): Resolution {
    let perServer = this.#resolved.get(server);
    const cached = perServer?.get(tool);
    if (cached) return cached;
    const resolution = this.#build(server, tool);
    if (this.#resolvedCount >= MAX_CACHED_RESOLUTIONS) {
      this.#resolved.clear();
      this.#resolvedCount = 0;
      perServer = undefined;
    }
    if (!perServer) this.#resolved.set(server, (perServer = new Map()));
    perServer.set(tool, resolution);
    this.#resolvedCount += 1;
    return resolution;
  }

  #build(server: string, tool: string): Resolution {
    const plans = this.#servers.get(server) ?? EMPTY_SERVER;
    const plan = plans.exact.get(tool) ?? matchGlob(plans, tool);
    if (plan === undefined) {
      const pass: Verdict = plans.fallback === 'allow'
        ? { kind: 'allow', rule: DEFAULT_REF }
        : { kind: 'deny', rule: DEFAULT_REF, reason: reasons.defaultDenies(server, tool) };
      return Object.freeze({
        pattern: 'default',
        action: plans.fallback,
        isDefault: true,
        plan,
        pass: Object.freeze(pass),
        keyPrefix: undefined,
      });
    }
    const limit = plan.config.rateLimit;
    let pass: Verdict | undefined;
    let keyPrefix: string | undefined;
    if (limit?.scope === 'session') {
      keyPrefix = sessionKeyPrefix(server, plan.pattern, tool);
    } else {
      const rateLimit: RateLimitCheck | undefined = limit && Object.freeze({
        key: rateLimitKey(limit.scope, server, plan.pattern, tool, undefined),
        max: limit.max,
        windowMs: limit.windowMs,
        scope: limit.scope,
        rule: plan.rateLimitRef,
      });
      pass = Object.freeze(rateLimit ? { kind: 'allow', rule: plan.actionRef, rateLimit } : { kind: 'allow', rule: plan.actionRef });
    }
    return Object.freeze({
      pattern: plan.pattern,
      action: plan.config.action,
      isDefault: false,
      config: plan.config,
      plan,
      pass,
      keyPrefix,
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
