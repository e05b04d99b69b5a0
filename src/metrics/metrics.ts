/**
 * Prometheus metrics for one gateway. Each gateway has its own Registry (several gateways may
 * run in one process, as in the tests); the process metrics (CPU, memory, event loop, GC) are
 * the process's, so they are collected once per process and appended to every gateway's page.
 *
 * Label values come from agents (tool names), so they are bounded: after MAX_TOOLS_PER_SERVER
 * distinct tool names on a server, further names are counted as `_other` rather than letting a
 * client that calls endless made-up names grow the page without limit.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { auditDecision } from '../audit/record.js';
import type { CallCompletion, DecisionEvent } from '../gateway/context.js';

export interface MetricsSource {
  /** Client sessions open now. */
  sessionCount(): number;
  /** Held calls waiting for a person now. */
  pendingApprovals(): number;
  version: string;
}

const MAX_TOOLS_PER_SERVER = 200;
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
  readonly #tools = new Map<string, Set<string>>();

  constructor(source: MetricsSource) {
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

  #tool(server: string, tool: string): string {
    let seen = this.#tools.get(server);
    if (!seen) this.#tools.set(server, (seen = new Set()));
    if (seen.has(tool)) return tool;
    if (seen.size >= MAX_TOOLS_PER_SERVER) return OTHER_TOOL;
    seen.add(tool);
    return tool;
  }
}
