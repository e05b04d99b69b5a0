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
}

/** Listed tool names remembered per server; an upstream listing more is counted beyond them as `_other`. */
const MAX_LISTED_TOOLS_PER_SERVER = 2000;
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
  readonly #decisions: Counter<'server' | 'tool' | 'outcome'>;
  readonly #upstream: Histogram<'server' | 'tool' | 'outcome'>;
  readonly #policy: Histogram;
  readonly #approvals: Counter<'server' | 'tool' | 'status'>;
  readonly #listed = new Map<string, Set<string>>();
  readonly #source: MetricsSource;

  constructor(source: MetricsSource) {
    this.#source = source;
    const registers = [this.registry];
    this.#decisions = new Counter({
      name: 'toolgate_decisions_total',
      help: 'Tool calls decided, by outcome (the audit decision: allowed, denied, hidden, rate_limited, invalid_arguments, monitor_would_refuse, approval_pending).',
      labelNames: ['server', 'tool', 'outcome'],
      registers,
    });
    this.#upstream = new Histogram({
      name: 'toolgate_upstream_duration_seconds',
      help: 'Time from forwarding a tool call to the upstream answer, by outcome (result, tool_error, upstream_error, cancelled).',
      labelNames: ['server', 'tool', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#policy = new Histogram({
      name: 'toolgate_policy_decision_seconds',
      help: 'Time spent deciding on a tool call (rule lookup, conditions, validation, rate limit).',
      buckets: [0.000001, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01, 0.05],
      registers,
    });
    this.#approvals = new Counter({
      name: 'toolgate_approvals_total',
      help: 'Held calls decided, by status (approved, refused, expired, abandoned).',
      labelNames: ['server', 'tool', 'status'],
      registers,
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
    new Gauge({ name: 'toolgate_build_info', help: 'Always 1; the toolgate version as a label.', labelNames: ['version'], registers }).set({ version: source.version }, 1);
    processMetrics();
  }

  observeDecision(event: DecisionEvent): void {
    const server = event.call.server;
    const tool = this.#tool(server, event.call.tool);
    this.#decisions.inc({ server, tool, outcome: auditDecision(event.decision) });
    this.#policy.observe(event.policyMicros / 1e6);
  }

  observeCompletion(completion: CallCompletion): void {
    const server = completion.call.server;
    this.#upstream.observe({ server, tool: this.#tool(server, completion.call.tool), outcome: completion.outcome }, completion.upstreamMs / 1000);
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

  /** The label value for a tool: its name when the gateway knows the tool, else `_other`. */
  #tool(server: string, tool: string): string {
    if (tool.length > MAX_LABEL_CHARS) return OTHER_TOOL;
    if (this.#listed.get(server)?.has(tool) || this.#source.namedByPolicy(server, tool)) return tool;
    return OTHER_TOOL;
  }
}
