import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AdminApi } from '../admin/admin-api.js';
import { openAuditLog, type AuditLog } from '../audit/audit-log.js';
import { ApprovalHub } from '../approvals/approval-hub.js';
import type { Approval } from '../approvals/types.js';
import { deliverWebhook } from '../approvals/webhook.js';
import type { PinnableTool, PinRecord, PinStore } from '../catalog/pins.js';
import type { Config } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import type { Agent } from '../identity/agent.js';
import { authenticatorFor, type Authenticator } from '../identity/authenticator.js';
import { HttpGate } from '../identity/http-gate.js';
import { keptName, keptText } from '../text-bounds.js';
import { compilePolicy, type CompiledPolicy } from '../policy/compile.js';
import type { RateLimitStore } from '../store/rate-limit-store.js';
import { openStores, stateBackend, type Stores } from '../store/stores.js';
import type { FleetMember, FleetRegistry } from '../store/fleet-registry.js';
import { THIS_PROCESS } from '../approvals/deciding.js';
import { openTracing, type Tracing } from '../telemetry/tracing.js';
import { HttpEdge, sendJson, type SessionHost } from '../transport/http/http-server.js';
import type { CallCompletion, DecisionEvent, GatewayContext } from './context.js';
import type { ToolCall } from '../policy/types.js';
import { ModernGateway } from './modern-host.js';
import { PinGuard } from './pin-guard.js';
import { ProxySession } from './proxy-session.js';
import { SharedUpstreamHub } from './shared-upstream.js';
import { UpstreamConnector } from './upstreams.js';

/** This process among a fleet's instances; new at every start. */
const INSTANCE_TAG = randomBytes(6).toString('base64url');

export interface GatewayOptions {
  config: Config;
  log: Logger;
  /** Replaces the rate-limit store the config asks for. */
  rateLimits?: RateLimitStore;
  now?: () => number;
  /** How often a held call that asked for progress is told it is still waiting (default 10 s). */
  holdProgressMs?: number;
  /** The audit trail; default: the one the config asks for (`null`: none). */
  audit?: AuditLog | null;
}

/**
 * Joins the pieces: the current config and compiled policy (swapped whole on reload), the stores
 * the config asks for (`store/stores.ts`), and a proxied session per client, whatever transport
 * the client came in on.
 */
export class Gateway implements GatewayContext, SessionHost {
  readonly log: Logger;
  readonly rateLimits: RateLimitStore;
  readonly now: () => number;
  readonly audit?: AuditLog;
  readonly approvals: ApprovalHub;
  readonly holdProgressMs: number;
  readonly pins: PinStore;
  readonly tracing?: Tracing;
  readonly #stores: Stores;
  readonly #fleet?: FleetRegistry;
  #config: Config;
  #policy: CompiledPolicy;
  /** Built from `auth` with the policy, swapped with it on reload. */
  #authenticator: Authenticator;
  readonly #gate: HttpGate;
  #edge?: HttpEdge;
  // --- admin (owned by src/admin): API, dashboard, /metrics; created by listen() ---
  #admin?: AdminApi;
  readonly #decisionListeners = new Set<(event: DecisionEvent) => void>();
  readonly #sharedHubs = new Map<string, SharedUpstreamHub>();
  readonly #completionListeners = new Set<(completion: CallCompletion) => void>();
  readonly #toolListListeners = new Set<(server: string, tools: ReadonlyArray<{ name?: unknown }>) => void>();
  readonly #pinChangeListeners = new Set<(server: string, tool: string) => void>();
  /** Pin changes already told (`server\0tool\0changedAt`): each session sees a change, it is counted once. */
  readonly #pinChangesTold = new Set<string>();
  readonly #reloads: { applied: number; refused: number; lastAppliedAt: number | undefined } = { applied: 0, refused: 0, lastAppliedAt: undefined };
  readonly #upstreams = new UpstreamConnector(() => this.#config.limits);
  /** MCP 2026-07-28: upstream generations, pooled sessions of 2026 clients, the 2026 edge. */
  readonly #modern: ModernGateway;

  constructor(options: GatewayOptions) {
    this.#config = options.config;
    this.#policy = compilePolicy(options.config);
    this.log = options.log;
    this.#authenticator = authenticatorFor(options.config, options.log);
    this.#gate = new HttpGate({ authenticator: () => this.#authenticator, auth: () => this.#config.auth, serverIds: () => this.serverIds(), log: options.log });
    this.now = options.now ?? Date.now;
    this.#stores = openStores(options.config, this.now, options.log);
    this.#fleet = this.#stores.shared?.joinFleet(() => ({ instance: INSTANCE_TAG, process: THIS_PROCESS, policyRevision: this.#policy.revision }));
    this.rateLimits = options.rateLimits ?? this.#stores.rateLimits;
    // Audit: subscribed first, so the record is journaled before anything else sees the decision.
    this.audit = options.audit === undefined ? openAuditLog(options.config, options.log) : (options.audit ?? undefined);
    const audit = this.audit;
    if (audit) {
      this.subscribe((event) => audit.recordDecision(event));
      this.subscribeCompletions((completion) => audit.recordCompletion(completion));
    }
    this.holdProgressMs = options.holdProgressMs ?? 10_000;
    this.tracing = openTracing(options.config.telemetry, options.log);
    this.pins = this.#stores.pins;
    this.approvals = new ApprovalHub({ store: this.#stores.approvals, log: options.log, now: this.now });
    this.#modern = new ModernGateway({ context: this, config: () => this.#config, log: options.log, connect: (serverId, server, log) => this.#upstreams.connect(serverId, server, log) });
  }

  notifyApproval(approval: Approval, channels: string[]): void {
    for (const channel of channels) {
      const hook = channel === 'webhook' ? this.#config.notifications?.webhook : undefined;
      if (!hook) {
        this.log.warn({ channel }, 'an approval asks to notify a channel the config does not define; add it under notifications');
        continue;
      }
      void deliverWebhook(approval, hook, this.log).then((result) => this.approvals.recordNotification(approval.id, result)); // neither rejects
    }
  }

  /**
   * Checks definitions listed outside a client session (the catalog, which `serve` fills at
   * start-up) against their pins, so a change made while the gateway was down is caught at once.
   * Never rejects: a store error is logged, and the tool is checked again when a session lists it.
   */
  async checkPins(server: string, tools: ReadonlyArray<PinnableTool>): Promise<void> {
    const pinning = this.#policy.pinningFor(server);
    if (pinning === 'off') return;
    const guard = new PinGuard(this.pins, server, this.log.child({ server }), {
      onChanged: (tool, changedAt) => this.onPinChanged(server, tool, changedAt),
      onRecorded: (kind, record) => this.onPinRecorded(kind, record),
    });
    await guard.listable([...tools], pinning, true); // a whole list: it pins the server and notices removals
  }

  /** Into the audit trail: what this process recorded in the pin store. */
  onPinRecorded(kind: 'changed' | 'added' | 'removed', record: PinRecord): void {
    const mode = this.#policy.pinningFor(record.server) === 'warn' ? 'monitor' : 'enforce';
    const seen = kind === 'removed' ? {} : { seenSha256: record.seenHash };
    this.audit?.recordPin({ time: this.now(), server: record.server, tool: record.tool, kind, mode, ...(record.hash === undefined ? {} : { pinSha256: record.hash }), ...seen });
  }

  onPinChanged(server: string, tool: string, changedAt: number): void {
    const key = `${server}\0${tool}\0${changedAt}`;
    if (this.#pinChangesTold.has(key)) return;
    this.#pinChangesTold.add(key);
    for (const listener of this.#pinChangeListeners) listener(server, tool);
  }

  /** Subscribes to tool definitions seen changed from their pins (once per change); returns the unsubscribe function. */
  subscribePinChanges(listener: (server: string, tool: string) => void): () => void {
    this.#pinChangeListeners.add(listener);
    return () => this.#pinChangeListeners.delete(listener);
  }

  /** Config reloads since start (for metrics). */
  get reloads(): { applied: number; refused: number; lastAppliedAt: number | undefined } {
    return { ...this.#reloads };
  }

  /** A changed config file was refused (it did not load, or its policy did not compile); the running one serves on. */
  reloadRefused(): void {
    this.#reloads.refused++;
  }

  onApprovalDecided(call: ToolCall, approval: Approval): void {
    this.log.info({ server: call.server, tool: call.tool, session: call.session, approval: approval.id, status: approval.status, decidedBy: approval.decidedBy, reason: approval.reason }, `held call ${approval.status}`);
    this.audit?.recordApproval(call, approval);
  }

  get config(): Config {
    return this.#config;
  }

  policy(): CompiledPolicy {
    return this.#policy;
  }

  serverIds(): string[] {
    return Object.keys(this.#config.servers);
  }

  /**
   * Takes a new config: the policy is compiled first (a broken one throws and nothing changes),
   * then swapped in one assignment. Rate-limit counters live in the store and survive.
   */
  reload(config: Config): void {
    const policy = compilePolicy(config);
    const listenChanged = config.listen.host !== this.#config.listen.host || config.listen.port !== this.#config.listen.port;
    const stateChanged = stateBackend(config) !== this.#stores.backend || config.dataDir !== this.#config.dataDir;
    const telemetryChanged = JSON.stringify(config.telemetry) !== JSON.stringify(this.#config.telemetry);
    // A new verifier only when auth changed: it would fetch the issuer's keys again.
    const authenticator = JSON.stringify(config.auth) === JSON.stringify(this.#config.auth) ? this.#authenticator : authenticatorFor(config, this.log);
    void this.#modern.reconfigured(this.#config, config);
    this.#config = config;
    this.#policy = policy;
    this.#authenticator = authenticator;
    this.audit?.configure(config.audit); // audit.enabled and audit.file take a restart
    this.#reloads.applied++;
    this.#reloads.lastAppliedAt = this.now();
    this.log.info({ policyRevision: policy.revision }, 'configuration reloaded');
    void this.#fleet?.refresh(); // the fleet sees the new revision now
    if (listenChanged) this.log.warn('listen address changes take effect only after a restart');
    if (telemetryChanged) this.log.warn('telemetry changes take effect only after a restart');
    if (stateChanged) this.log.warn(`data_dir and state.backend changes take effect only after a restart; pins and approvals stay in the ${this.#stores.backend} store until then`);
  }

  /** `agent`: who opened the session, verified by the transport (stdio: the configured local agent). */
  openSession(serverId: string, sessionId: string | undefined, agent: Agent): ProxySession {
    const server = this.#config.servers[serverId];
    if (!server) throw new ToolgateError('unknown_server', `No MCP server "${serverId}" is configured; known servers: ${this.serverIds().join(', ')}`);
    const log = this.log.child({ server: serverId, session: sessionId });
    const upstream = server.kind === 'stdio' && server.sessions === 'shared' ? this.#sharedHub(serverId).join() : this.#modern.upstreamForLegacyClient(serverId, log);
    return new ProxySession({ serverId, sessionId, agent, upstream, context: this });
  }

  /** One process for every session of a `sessions: shared` server; it is restarted after it dies. */
  #sharedHub(serverId: string): SharedUpstreamHub {
    let hub = this.#sharedHubs.get(serverId);
    if (!hub) {
      const log = this.log.child({ server: serverId, shared: true });
      hub = new SharedUpstreamHub(`upstream "${serverId}" (shared)`, () => this.#upstreams.connect(serverId, this.#config.servers[serverId], log, true), log);
      this.#sharedHubs.set(serverId, hub);
    }
    return hub;
  }

  onDecision(event: DecisionEvent): void {
    // Allowed calls are logged at debug only: nothing to build for the log when that is off.
    if (event.decision.kind !== 'allow' || this.log.isLevelEnabled('debug')) this.#logDecision(event);
    for (const listener of this.#decisionListeners) listener(event);
  }

  #logDecision(event: DecisionEvent): void {
    const { decision, call } = event;
    const fields = {
      server: call.server,
      tool: keptName(call.tool),
      session: call.session,
      decision: decision.kind,
      mode: decision.mode,
      rule: decision.rule.pattern,
      part: decision.rule.part,
      reason: 'reason' in decision ? keptText(decision.reason) : undefined,
      policyRevision: event.policyRevision,
      policyMicros: Math.round(event.policyMicros),
    };
    if (decision.kind === 'allow') this.log.debug(fields, 'tool call allowed');
    else if (decision.mode === 'monitor') this.log.warn(fields, 'tool call would be refused (monitor mode: forwarded)');
    else this.log.info(fields, 'tool call refused');
  }

  onCallCompleted(completion: CallCompletion): void {
    if (completion.outcome === 'upstream_error') {
      const error = completion.error && { code: completion.error.code, message: keptText(completion.error.message) };
      this.log.warn({ server: completion.call.server, tool: keptName(completion.call.tool), session: completion.call.session, error, upstreamMs: Math.round(completion.upstreamMs) }, 'upstream failed a tool call');
    }
    for (const listener of this.#completionListeners) listener(completion);
  }

  onToolsListed(server: string, tools: ReadonlyArray<{ name?: unknown }>): void {
    for (const listener of this.#toolListListeners) listener(server, tools);
  }

  /** Subscribes to the tools upstreams list to sessions; returns the unsubscribe function. */
  subscribeToolLists(listener: (server: string, tools: ReadonlyArray<{ name?: unknown }>) => void): () => void {
    this.#toolListListeners.add(listener);
    return () => this.#toolListListeners.delete(listener);
  }

  /** Subscribes to the end of every forwarded call; returns the unsubscribe function. */
  subscribeCompletions(listener: (completion: CallCompletion) => void): () => void {
    this.#completionListeners.add(listener);
    return () => this.#completionListeners.delete(listener);
  }

  /** Subscribes to every decision; returns the unsubscribe function. */
  subscribe(listener: (event: DecisionEvent) => void): () => void {
    this.#decisionListeners.add(listener);
    return () => this.#decisionListeners.delete(listener);
  }

  /** Starts the HTTP listener; resolves with the bound address. */
  async listen(): Promise<{ host: string; port: number; url: string }> {
    const { listen } = this.#config;
    this.#admin ??= new AdminApi(this);
    this.#edge = new HttpEdge({
      host: this,
      listenHost: listen.host,
      allowedHosts: listen.allowedHosts,
      allowedOrigins: listen.allowedOrigins,
      maxBodyBytes: listen.maxBodyBytes,
      limits: () => this.#config.limits,
      log: this.log,
      routes: (request, response, url) => this.#routes(request, response, url),
      ...(this.#stores.shared ? { instanceTag: INSTANCE_TAG } : {}),
      authenticate: (request, response, serverId) => this.#gate.admit(request, response, serverId),
      otherGeneration: (request, response, serverId, body, agent) => this.#modern.edge.handle(request, response, serverId, body, agent),
    });
    const address = await this.#edge.listen(listen.port, listen.host);
    const hostForUrl = address.host.includes(':') ? `[${address.host}]` : address.host;
    return { ...address, url: `http://${hostForUrl}:${address.port}` };
  }

  /** Number of client sessions open on the HTTP listener. */
  get sessionCount(): number {
    return this.#edge?.sessions.size ?? 0;
  }

  /** Open client sessions by server id (servers without one are left out). */
  sessionsByServer(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const session of this.#edge?.sessions.values() ?? []) counts[session.serverId] = (counts[session.serverId] ?? 0) + 1;
    return counts;
  }

  /** MCP 2026-07-28 clients: pooled sessions now, and bridged calls whose client never came back. */
  get modernClients(): { pooledSessions: number; parkedCallsExpired: number } {
    return { pooledSessions: this.#modern.pooledSessions, parkedCallsExpired: this.#modern.parkedCallsExpired };
  }

  /** The instances of this fleet with their policy revisions (absent: not a fleet). */
  fleet(): FleetMember[] | undefined {
    return this.#fleet?.members;
  }

  /** Where shared state lives and whether it can be reached now (a Redis outage refuses only calls that need it). */
  stateHealth(): { backend: string; redis?: 'up' | 'down'; instance?: string } {
    const shared = this.#stores.shared;
    return shared ? { backend: this.#stores.backend, redis: shared.state(), instance: INSTANCE_TAG } : { backend: this.#stores.backend };
  }

  /** The admin API, dashboard and metrics; present once listening. */
  get admin(): AdminApi | undefined {
    return this.#admin;
  }

  async close(): Promise<void> {
    this.#admin?.close();
    await this.#edge?.close();
    await this.#modern.close();
    await this.rateLimits.close();
    await this.audit?.close();
    await this.approvals.close();
    await this.#stores.close();
    await this.tracing?.close();
  }

  #routes(request: IncomingMessage, response: ServerResponse, url: URL): boolean | Promise<boolean> {
    if (url.pathname === '/healthz' && request.method === 'GET') {
      sendJson(response, 200, { status: 'ok', servers: this.serverIds(), sessions: this.sessionCount, policyRevision: this.#policy.revision, state: this.stateHealth() });
      return true;
    }
    if (this.#gate.serveMetadata(request, response, url)) return true;
    return this.#admin?.handle(request, response, url) ?? false;
  }
}
