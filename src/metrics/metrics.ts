/**
 * Prometheus metrics for one gateway. Each gateway has its own Registry (several gateways may
 * run in one process, as in the tests); the process metrics (CPU, memory, event loop, GC) are
 * the process's, so they are collected once per process and appended to every gateway's page.
 *
 * Tool names come from agents, so a name becomes a label value only when the gateway knows the
 * tool: the upstream listed it (tools/list through a session, or the catalog), or the policy names
 * it exactly. Every other name is counted as `_other`: a client that calls endless made-up names
 * can neither grow the page nor push real tools out of their labels.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { auditDecision } from '../audit/record.js';
import type { CallCompletion, DecisionEvent } from '../gateway/context.js';

export interface MetricsSource {
  /** Client sessions open now. */
  sessionCount(): number;
  /** Held calls waiting for a person now. */
  pendingApprovals(): number;
  /** Pooled pipelines held for MCP 2026-07-28 clients now. */
  pooledSessions(): number;
  /** Bridged calls (2026 client, 2025 server) cancelled since start because the client never retried. */
  parkedCallsExpired(): number;
  version: string;
  /** True when the policy has a rule for exactly this tool name (not a glob). */
  namedByPolicy(server: string, tool: string): boolean;
  /** The policy revision in force. */
  policyRevision(): string;
  /** Config reloads since start: applied, and refused (the file did not load or its policy did not compile). */
  reloads(): { applied: number; refused: number; lastAppliedAt: number | undefined };
  /** Changed tool definitions waiting for a person's review; rejects when the pin store fails. */
  pinsAwaitingReview(): Promise<number>;
  /** The audit trail's own counters; undefined without one. */
  auditStats(): { pending: number; journalErrors: number; storeErrors: number } | undefined;
}

/** Listed tool names remembered per server; an upstream listing more is counted beyond them as `_other`. */
const MAX_LISTED_TOOLS_PER_SERVER = 2000;
/** Distinct agents given a label of their own; the rest are `_other`. */
const MAX_AGENT_LABELS = 100;
/** Longer names are never label values, whoever lists them. */
const MAX_LABEL_CHARS = 128;
export const OTHER_TOOL = '_other';

let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #decisions: Counter<'server' | 'tool' | 'agent' | 'outcome'>;
  readonly #upstream: Histogram<'server' | 'tool' | 'agent' | 'outcome'>;
  readonly #policy: Histogram<'server' | 'outcome'>;
  readonly #approvals: Counter<'server' | 'tool' | 'status'>;
  readonly #pinChanges: Counter<'server' | 'tool'>;
  readonly #budgetAmounts: Counter<'server' | 'rule' | 'outcome'>;
  /** Decisions that failed because a state store (rate limits, pins, approvals) did not answer. */
  #stateStoreErrors = 0;
  readonly #listed = new Map<string, Set<string>>();
  readonly #agents = new Set<string>();
  readonly #source: MetricsSource;
  /**
   * The labelled series of the per-call metrics, by their label values joined with NUL: prom-client
   * would hash the label object on every call. Bounded as the label values are (see above).
   */
  readonly #decisionSeries = new Map<string, { inc(): void }>();
  readonly #policySeries = new Map<string, { observe(value: number): void }>();
  readonly #upstreamSeries = new Map<string, { observe(value: number): void }>();

  constructor(source: MetricsSource) {
    this.#source = source;
    const registers = [this.registry];
    this.#decisions = new Counter({
      name: 'toolgate_decisions_total',
      help: 'Tool calls decided, by verified agent and outcome (the audit decision: allowed, denied, hidden, rate_limited, over_budget, invalid_arguments, monitor_would_refuse, approval_pending).',
      labelNames: ['server', 'tool', 'agent', 'outcome'],
      registers,
    });
    this.#upstream = new Histogram({
      name: 'toolgate_upstream_duration_seconds',
      help: 'Time from forwarding a tool call to the upstream answer, by verified agent and outcome (result, tool_error, upstream_error, cancelled).',
      labelNames: ['server', 'tool', 'agent', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#policy = new Histogram({
      name: 'toolgate_policy_decision_seconds',
      help: 'Time spent deciding on a tool call (rule lookup, conditions, validation, rate limit, pin check), by server and outcome (the audit decision).',
      labelNames: ['server', 'outcome'],
      buckets: [0.000001, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01, 0.05],
      registers,
    });
    this.#approvals = new Counter({
      name: 'toolgate_approvals_total',
      help: 'Held calls decided, by status (approved, refused, expired, abandoned).',
      labelNames: ['server', 'tool', 'status'],
      registers,
    });
    this.#pinChanges = new Counter({
      name: 'toolgate_pin_changes_total',
      help: 'Tool definitions seen changed from their pin (possible rug pulls), counted once per change.',
      labelNames: ['server', 'tool'],
      registers,
    });
    new Gauge({
      name: 'toolgate_pins_awaiting_review',
      help: 'Changed tool definitions nobody has accepted yet (-1 when the pin store does not answer).',
      registers,
      async collect() {
        this.set(await source.pinsAwaitingReview().catch(() => -1));
      },
    });
    new Counter({
      name: 'toolgate_config_reloads_total',
      help: 'Config reloads, by result: applied, or refused (the previous config kept serving).',
      labelNames: ['result'],
      registers,
      collect() {
        const counts = source.reloads();
        this.reset();
        this.inc({ result: 'applied' }, counts.applied);
        this.inc({ result: 'refused' }, counts.refused);
      },
    });
    new Gauge({
      name: 'toolgate_config_last_reload_timestamp_seconds',
      help: 'When the config was last reloaded (0: never since start).',
      registers,
      collect() {
        const at = source.reloads().lastAppliedAt;
        this.set(at === undefined ? 0 : at / 1000);
      },
    });
    new Gauge({
      name: 'toolgate_policy_info',
      help: 'Always 1; the policy revision in force as a label.',
      labelNames: ['revision'],
      registers,
      collect() {
        this.reset();
        this.set({ revision: source.policyRevision() }, 1);
      },
    });
    const stateStoreErrors = () => this.#stateStoreErrors;
    new Counter({
      name: 'toolgate_store_errors_total',
      help: 'Store failures, by store: `state` (a decision refused because rate limits, pins or approvals did not answer: fail closed), `audit` (a batch not written; kept in the journal and retried), `audit_journal` (a journal append failed).',
      labelNames: ['store'],
      registers,
      collect() {
        this.reset();
        this.inc({ store: 'state' }, stateStoreErrors());
        const audit = source.auditStats();
        if (!audit) return;
        this.inc({ store: 'audit' }, audit.storeErrors);
        this.inc({ store: 'audit_journal' }, audit.journalErrors);
      },
    });
    new Gauge({
      name: 'toolgate_audit_pending_records',
      help: 'Audit operations journaled but not yet in the audit store (grows while the store fails).',
      registers,
      collect() {
        this.set(source.auditStats()?.pending ?? 0);
      },
    });
    new Gauge({
      name: 'toolgate_pending_approvals',
      help: 'Held calls waiting for a person.',
      registers,
      collect() {
        this.set(source.pendingApprovals());
      },
    });
    new Gauge({
      name: 'toolgate_active_sessions',
      help: 'MCP client sessions open on the HTTP listener.',
      registers,
      collect() {
        this.set(source.sessionCount());
      },
    });
    new Gauge({
      name: 'toolgate_pooled_sessions',
      help: 'Pooled sessions held for MCP 2026-07-28 clients (one per caller, server and capability set; a real upstream session for a 2025 server).',
      registers,
      collect() {
        this.set(source.pooledSessions());
      },
    });
    new Counter({
      name: 'toolgate_parked_calls_expired_total',
      help: 'Calls a 2025 server asked its client something about, parked for a 2026 client that never came back with the answers: cancelled at the upstream.',
      registers,
      collect() {
        this.reset();
        this.inc(source.parkedCallsExpired());
      },
    });
    this.#budgetAmounts = new Counter({
      name: 'toolgate_budget_amount_total',
      help: 'What calls under a budget were worth (the rule\'s amount), by server, rule pattern and outcome (allowed, over_budget, approval_pending, monitor_would_refuse); amounts given back after an upstream failure are not subtracted.',
      labelNames: ['server', 'rule', 'outcome'],
      registers,
    });
    new Gauge({ name: 'toolgate_build_info', help: 'Always 1; the toolgate version as a label.', labelNames: ['version'], registers }).set({ version: source.version }, 1);
    processMetrics();
  }

  observeDecision(event: DecisionEvent): void {
    const server = event.call.server;
    const tool = this.#tool(server, event.call.tool);
    const outcome = auditDecision(event.decision);
    const agent = this.#agent(event.call.agent?.id);
    seriesOf(this.#decisionSeries, `${server}\0${tool}\0${agent}\0${outcome}`, () => this.#decisions.labels({ server, tool, agent, outcome })).inc();
    seriesOf(this.#policySeries, `${server}\0${outcome}`, () => this.#policy.labels({ server, outcome })).observe(event.policyMicros / 1e6);
    if (event.decision.rule.pattern === 'toolgate' && event.decision.rule.part === 'error') this.#stateStoreErrors++;
    // Rule patterns come from the config, so the label stays bounded whatever the agent sends.
    const budget = 'budget' in event.decision ? event.decision.budget : undefined;
    if (budget && budget.amount > 0) this.#budgetAmounts.inc({ server, rule: event.decision.rule.pattern, outcome }, budget.amount);
  }

  /** A tool's definition was seen changed from its pin (once per change). */
  observePinChange(server: string, tool: string): void {
    this.#pinChanges.inc({ server, tool: this.#tool(server, tool) });
  }

  observeCompletion(completion: CallCompletion): void {
    const server = completion.call.server;
    const tool = this.#tool(server, completion.call.tool);
    const agent = this.#agent(completion.call.agent?.id);
    const { outcome } = completion;
    seriesOf(this.#upstreamSeries, `${server}\0${tool}\0${agent}\0${outcome}`, () => this.#upstream.labels({ server, tool, agent, outcome })).observe(completion.upstreamMs / 1000);
  }

  observeApproval(approval: { server: string; tool: string; status: string }): void {
    if (approval.status === 'pending') return;
    this.#approvals.inc({ server: approval.server, tool: this.#tool(approval.server, approval.tool), status: approval.status });
  }

  /** The exposition page: this gateway's metrics, then the process's. */
  async render(): Promise<{ contentType: string; body: string }> {
    const own = await this.registry.metrics();
    const process = await processMetrics().metrics();
    return { contentType: this.registry.contentType, body: `${own}\n${process}` };
  }

  /** The upstream listed these tools (names of anything else in the list are ignored). */
  noteListedTools(server: string, tools: ReadonlyArray<{ name?: unknown }>): void {
    let listed = this.#listed.get(server);
    if (!listed) this.#listed.set(server, (listed = new Set()));
    for (const { name } of tools) {
      if (listed.size >= MAX_LISTED_TOOLS_PER_SERVER) return;
      if (typeof name === 'string' && name.length <= MAX_LABEL_CHARS) listed.add(name);
    }
  }

  /**
   * The label value for an agent: its verified id, for the first `MAX_AGENT_LABELS` agents seen;
   * later ones count as `_other` (an identity provider can mint any number of ids).
   */
  #agent(id: string | undefined): string {
    if (id === undefined) return 'anonymous';
    if (this.#agents.has(id)) return id;
    if (this.#agents.size >= MAX_AGENT_LABELS || id.length > MAX_LABEL_CHARS) return OTHER_TOOL;
    this.#agents.add(id);
    return id;
  }

  /** The label value for a tool: its name when the gateway knows the tool, else `_other`. */
  #tool(server: string, tool: string): string {
    if (tool.length > MAX_LABEL_CHARS) return OTHER_TOOL;
    if (this.#listed.get(server)?.has(tool) || this.#source.namedByPolicy(server, tool)) return tool;
    return OTHER_TOOL;
  }
}

function seriesOf<T>(series: Map<string, T>, key: string, create: () => T): T {
  let found = series.get(key);
  if (found === undefined) series.set(key, (found = create()));
  return found;
}
