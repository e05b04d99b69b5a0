/**
 * The admin HTTP surface: the JSON API under /admin/api/, the dashboard page (/ and /dashboard),
 * and /metrics — all behind the admin token (see auth.ts). Mounted by the gateway on its HTTP
 * listener, after the edge's Host and Origin checks.
 *
 * It only reads the gateway and acts through the approval service; it never changes policy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { PinnableTool, PinStore } from '../catalog/pins.js';
import type { ApprovalService, ApprovalStatus } from '../approvals/types.js';
import { openAuditReader, type AuditLog, type AuditTrailReader } from '../audit/audit-log.js';
import { VERSION } from '../cli/version.js';
import type { Config, OperatorRole } from '../config/types.js';
import { serveDashboard } from '../dashboard/serve.js';
import type { CallCompletion, DecisionEvent } from '../gateway/context.js';
import { GatewayMetrics } from '../metrics/metrics.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { RateLimitStore } from '../store/rate-limit-store.js';
import { decodePathSegment } from '../transport/http/request-guards.js';
import { AdminAuth, requireRole, sameOrigin, type Authenticated, type Operator } from './auth.js';
import { CatalogView, type ToolLister } from './catalog-view.js';
import { EventStream } from './event-stream.js';
import { boundedName, HistoryApi } from './history-api.js';
import type { AuditRow, DecisionSummary, Overview } from './api-types.js';
import { adminError, readJsonObject, sendAdminError, sendAdminJson } from './http.js';
import { LiveFeed, feedKey } from './live-feed.js';
import { PIN_DECISION_ROLE, PinReviewApi, type PinDecision } from './pin-review.js';
import { parseApprover, parseAuditQuery, parseLimit } from './params.js';
import { rateLimitRows } from './rate-limits.js';
import { serverSnippets } from './snippets.js';
import { AttemptThrottle } from './throttle.js';
import { resolveAdminToken, type AdminToken } from './token.js';

/** What the admin surface reads from the gateway. */
export interface AdminHost {
  readonly config: Config;
  policy(): CompiledPolicy;
  /** The instances of the fleet this gateway is one of, with their policy revisions; absent when it is not in a fleet. */
  fleet?(): Array<{ instance: string; process: string; policyRevision: string; seenAt: number }> | undefined;
  serverIds(): string[];
  readonly sessionCount: number;
  sessionsByServer(): Record<string, number>;
  subscribe(listener: (event: DecisionEvent) => void): () => void;
  subscribeCompletions(listener: (completion: CallCompletion) => void): () => void;
  /** Tools an upstream listed in answer to a session's tools/list (the names metrics may use as labels). */
  subscribeToolLists?(listener: (server: string, tools: ReadonlyArray<{ name?: unknown }>) => void): () => void;
  readonly rateLimits: RateLimitStore;
  readonly audit?: AuditLog;
  readonly approvals?: ApprovalService;
  readonly log: Logger;
  now(): number;
  /** Checks listed tool definitions against their pins (rug-pull protection). */
  checkPins?(server: string, tools: ReadonlyArray<PinnableTool>): void;
  /** Config reloads since start. */
  readonly reloads?: { applied: number; refused: number; lastAppliedAt: number | undefined };
  /** Tool pins (the pin review page, pin metrics); absent without a pin store. */
  readonly pins?: PinStore;
  /** Tool definitions seen changed from their pins, once per change. */
  subscribePinChanges?(listener: (server: string, tool: string) => void): () => void;
  /** MCP 2026-07-28: pooled sessions of 2026 clients, and bridged calls cancelled because their client did not come back. */
  readonly modernClients?: { readonly pooledSessions: number; readonly parkedCallsExpired: number };
}

export interface AdminOptions {
  /** How the catalog lists servers; default the SDK client. */
  listTools?: ToolLister;
}

const API = '/admin/api/';
const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'refused', 'expired', 'abandoned'];
const ENDPOINTS = [
  'GET overview',
  'GET catalog',
  'POST catalog/refresh',
  'GET audit?server=&tool=&decision=&since=&limit=&after_id=',
  'GET events (text/event-stream)',
  'GET approvals?status=&limit=',
  'GET approvals/:id',
  'POST approvals/:id/approve {scope: once|session, minutes?, approver? (shared token only)} (role approver)',
  'POST approvals/:id/refuse {reason, approver? (shared token only)} (role approver)',
  'GET rate-limits',
  'GET history/timeline?range=hour|day|week',
  'GET history/search?from=&to=&server=&tool=&agent=&session=&decision=&q=&before_id=&limit=',
  'GET history/export?format=csv|jsonl&<the search filters>',
  'GET tools/:server/:tool',
  'GET sessions/:id',
  'GET agents (those of the last week)',
  'GET agents/:id',
  'GET pins',
  'POST pins/:server/:tool/accept {approver? (shared token only)} (role admin)',
  'POST pins/:server/:tool/reject {approver? (shared token only)} (role admin)',
  'GET policy',
  'GET|POST|DELETE session',
];
const AUTH_HINT = 'send the admin token (or your own operator token from admin.users) as "Authorization: Bearer <token>", or sign in on the dashboard; the shared token is admin.token in the config, or the one toolgate generated in <data_dir>/admin-token';
/** Wrong tokens (sign-ins and Bearer headers) tolerated per client address per minute before 429. */
const MAX_WRONG_TOKENS = 20;
const WRONG_TOKEN_WINDOW_MS = 60_000;

export class AdminApi {
  readonly token: AdminToken;
  readonly metrics: GatewayMetrics;
  readonly catalog: CatalogView;
  readonly #host: AdminHost;
  readonly #auth: AdminAuth;
  readonly #events = new EventStream();
  readonly #unsubscribe: Array<() => void> = [];
  readonly #startedAt: number;
  #auditReader?: AuditTrailReader;
  readonly #history: HistoryApi;
  readonly #pins: PinReviewApi;
  readonly #wrongTokens: AttemptThrottle;

  constructor(host: AdminHost, options: AdminOptions = {}) {
    this.#host = host;
    this.token = resolveAdminToken(host.config);
    this.#auth = new AdminAuth(this.token.token, host.config.admin?.users);
    this.#wrongTokens = new AttemptThrottle({ max: MAX_WRONG_TOKENS, windowMs: WRONG_TOKEN_WINDOW_MS, now: () => host.now() });
    this.#startedAt = host.now();
    this.metrics = new GatewayMetrics({
      sessionCount: () => host.sessionCount,
      pendingApprovals: () => pendingCount(host.approvals),
      pooledSessions: () => host.modernClients?.pooledSessions ?? 0,
      parkedCallsExpired: () => host.modernClients?.parkedCallsExpired ?? 0,
      version: VERSION,
      namedByPolicy: (server, tool) => namedByPolicy(host.config, server, tool),
      policyRevision: () => host.policy().revision,
      reloads: () => host.reloads ?? { applied: 0, refused: 0, lastAppliedAt: undefined },
      pinsAwaitingReview: async () => (host.pins ? (await host.pins.pending()).length : 0),
      auditStats: () => host.audit?.stats,
    });
    this.catalog = new CatalogView({
      config: () => host.config,
      policy: () => host.policy(),
      log: host.log,
      now: () => host.now(),
      list: options.listTools,
      onListed: (server, listing) => {
        this.metrics.noteListedTools(server, listing.tools);
        host.checkPins?.(server, listing.tools);
      },
    });
    this.#history = new HistoryApi(host, this.catalog, this.#startedAt);
    this.#pins = new PinReviewApi(host);
    this.catalog.onChange = (id) => this.#events.send('catalog', { server: id, health: this.catalog.health(id) });

    const feed = new LiveFeed((entry) => this.#events.send('audit', entry));
    this.#unsubscribe.push(
      host.subscribe((event) => {
        this.metrics.observeDecision(event);
        // The feed is for open dashboards; with none, the hot path pays only for the metrics.
        if (this.#events.size === 0) return;
        feed.onDecision(event);
        this.#events.send('decision', decisionSummary(event));
      }),
      host.subscribeCompletions((completion) => {
        this.metrics.observeCompletion(completion);
        feed.onCompletion(completion);
      }),
    );
    if (host.subscribePinChanges) this.#unsubscribe.push(host.subscribePinChanges((server, tool) => this.metrics.observePinChange(server, tool)));
    if (host.subscribeToolLists) this.#unsubscribe.push(host.subscribeToolLists((server, tools) => this.metrics.noteListedTools(server, tools)));
    if (host.approvals) {
      this.#unsubscribe.push(
        host.approvals.subscribe((approval) => {
          this.metrics.observeApproval(approval);
          feed.onApproval(approval);
          this.#events.send('approval', approval);
        }),
      );
    }
  }

  /** Handles the admin routes; false for anything else. */
  async handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    try {
      if (path === '/metrics') {
        this.#require(request);
        if (request.method !== 'GET') throw methodNotAllowed(response, 'GET');
        const page = await this.metrics.render();
        response.writeHead(200, { 'content-type': page.contentType, 'cache-control': 'no-store' });
        response.end(page.body);
        return true;
      }
      if (path === '/admin/api' || path.startsWith(API)) {
        await this.#api(request, response, path.slice(API.length).replace(/\/+$/, ''), url.searchParams);
        return true;
      }
      return serveDashboard(request, response, path);
    } catch (error) {
      sendAdminError(response, error, this.#host.log);
      return true;
    }
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#events.close();
    void this.#auditReader?.close();
    this.#auditReader = undefined;
    this.#history.close();
  }

  async #api(request: IncomingMessage, response: ServerResponse, route: string, query: URLSearchParams): Promise<void> {
    const method = request.method ?? 'GET';
    if (route === 'session') return this.#session(request, response, method);
    const auth = this.#require(request);
    const parts = route.split('/');
    switch (parts[0]) {
      case 'overview':
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        return sendAdminJson(response, 200, this.#overview(request));
      case 'catalog':
        if (parts[1] === 'refresh' && parts.length === 2) {
          if (method !== 'POST') throw methodNotAllowed(response, 'POST');
          this.#requireSameOriginForCookie(request, auth);
          return sendAdminJson(response, 200, await this.catalog.refresh());
        }
        if (parts.length !== 1) break;
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        return sendAdminJson(response, 200, await this.catalog.get());
      case 'audit':
        if (parts.length !== 1) break;
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        return sendAdminJson(response, 200, await this.#audit(query));
      case 'events':
        if (parts.length !== 1) break;
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        this.#events.open(request, response);
        return;
      case 'approvals':
        return this.#approvals(request, response, method, parts.slice(1), query, auth);
      case 'rate-limits':
        if (parts.length !== 1) break;
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        return sendAdminJson(response, 200, await this.#rateLimits());
      case 'history':
        if (parts.length !== 2 || !['timeline', 'search', 'export'].includes(parts[1])) break;
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        if (parts[1] === 'export') return this.#history.export(query, response);
        return sendAdminJson(response, 200, await (parts[1] === 'timeline' ? this.#history.timeline(query) : this.#history.search(query)));
      case 'tools':
        if (parts.length !== 3) break;
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        return sendAdminJson(response, 200, await this.#history.tool(segment(parts[1], 'server id'), segment(parts[2], 'tool name')));
      case 'agents':
        if (parts.length > 2) break;
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        return sendAdminJson(response, 200, await (parts.length === 1 ? this.#history.agents() : this.#history.agent(segment(parts[1], 'agent id'))));
      case 'sessions':
        if (parts.length !== 2) break;
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        return sendAdminJson(response, 200, await this.#history.session(segment(parts[1], 'session id')));
      case 'pins':
        if (parts.length === 1) {
          if (method !== 'GET') throw methodNotAllowed(response, 'GET');
          return sendAdminJson(response, 200, await this.#pins.list());
        }
        if (parts.length !== 4 || (parts[3] !== 'accept' && parts[3] !== 'reject')) break;
        if (method !== 'POST') throw methodNotAllowed(response, 'POST');
        return this.#decidePin(request, response, auth, parts[1], parts[2], parts[3]);
      case 'policy':
        if (parts.length !== 1) break;
        if (method !== 'GET') throw methodNotAllowed(response, 'GET');
        return sendAdminJson(response, 200, this.#history.policy());
    }
    throw adminError('not_found', `No admin endpoint ${method} ${API}${route}`, `the endpoints under ${API} are: ${ENDPOINTS.join('; ')}`);
  }

  async #decidePin(request: IncomingMessage, response: ServerResponse, auth: Authenticated, server: string, tool: string, decision: PinDecision): Promise<void> {
    requireRole(auth.operator, PIN_DECISION_ROLE, `${decision === 'accept' ? 'accepting' : 'rejecting'} a tool definition`);
    this.#requireSameOriginForCookie(request, auth);
    const body = await readJsonObject(request);
    const approver = parseApprover(body.approver, auth);
    sendAdminJson(response, 200, await this.#pins.decide(segment(server, 'server id'), segment(tool, 'tool name'), decision, approver));
  }

  /** GET: am I signed in? POST {token}: sign in (sets the cookie). DELETE: sign out. */
  async #session(request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
    if (method === 'GET') {
      const operator = this.#auth.authenticate(request)?.operator;
      return sendAdminJson(response, 200, operator ? { authenticated: true, ...operatorView(operator) } : { authenticated: false });
    }
    if (method === 'DELETE') return sendAdminJson(response, 200, { authenticated: false }, { 'set-cookie': AdminAuth.cookieHeader(undefined) });
    if (method !== 'POST') throw methodNotAllowed(response, 'GET, POST, DELETE');
    if (!sameOrigin(request)) throw adminError('unauthorized', 'Sign-in is accepted only from the dashboard this gateway serves', 'open the dashboard at this gateway\'s own address');
    const address = request.socket.remoteAddress;
    this.#wrongTokens.check(address, 'signing in');
    const body = await readJsonObject(request);
    if (typeof body.token !== 'string' || body.token.trim() === '') throw adminError('invalid_request', 'Send {"token": "<admin token>"} to sign in', AUTH_HINT);
    const operator = this.#auth.find(body.token.trim());
    if (!operator) {
      this.#wrongTokens.fail(address);
      throw adminError('unauthorized', 'That is not the admin token', AUTH_HINT);
    }
    sendAdminJson(response, 200, { authenticated: true, ...operatorView(operator) }, { 'set-cookie': AdminAuth.cookieHeader(this.#auth.issueSession(operator)) });
  }

  /** Who the request proved to be; a wrong Bearer header counts against its address (see AttemptThrottle). */
  #require(request: IncomingMessage): Authenticated {
    const address = request.socket.remoteAddress;
    const bearer = request.headers.authorization !== undefined;
    if (bearer) this.#wrongTokens.check(address, 'the admin API');
    const auth = this.#auth.authenticate(request);
    if (auth) return auth;
    if (bearer) this.#wrongTokens.fail(address);
    const why = bearer ? 'The Authorization header does not carry the admin token' : 'The admin token is required';
    throw adminError('unauthorized', why, AUTH_HINT);
  }

  /** Writes by cookie must come from the dashboard itself (checked again here, for clarity at the call site). */
  #requireSameOriginForCookie(request: IncomingMessage, auth: Authenticated): void {
    if (auth.credential === 'cookie' && !sameOrigin(request)) throw adminError('unauthorized', 'A cookie is accepted only from the dashboard this gateway serves', AUTH_HINT);
  }

  #overview(request: IncomingMessage): Overview {
    const host = this.#host;
    const config = host.config;
    const policy = host.policy();
    const base = `http://${request.headers.host ?? `${config.listen.host}:${config.listen.port}`}`;
    const sessions = host.sessionsByServer();
    return {
      version: VERSION,
      mode: config.mode,
      policyRevision: policy.revision,
      ...(host.fleet?.() ? { fleet: host.fleet() } : {}),
      configFile: config.file ?? null,
      startedAt: this.#startedAt,
      now: host.now(),
      sessions: host.sessionCount,
      audit: { enabled: host.audit !== undefined },
      approvals: { enabled: host.approvals !== undefined, pending: pendingCount(host.approvals) },
      servers: host.serverIds().map((id) => {
        const server = config.servers[id];
        const proxyUrl = `${base}/mcp/${encodeURIComponent(id)}`;
        return {
          id,
          kind: server.kind,
          upstream: server.kind === 'http' ? server.url : [server.command, ...server.args].join(' '),
          mode: policy.modeFor(id),
          proxyUrl,
          sessions: sessions[id] ?? 0,
          health: this.catalog.health(id),
          snippets: serverSnippets(id, proxyUrl, config.file ?? 'toolgate.yaml'),
        };
      }),
    };
  }

  async #audit(query: URLSearchParams): Promise<AuditRow[]> {
    if (!this.#host.audit) {
      throw adminError('not_found', 'The audit trail is off in this gateway (audit.enabled: false)', 'set audit.enabled: true (the default) and restart; the dashboard\'s live feed works without it');
    }
    const filter = parseAuditQuery(query);
    // Read through a second, read-only connection (WAL): queries never wait behind the writer's batches.
    this.#auditReader ??= openAuditReader(this.#host.config);
    const records = await this.#auditReader.query(filter);
    return records.reverse().map((record) => ({ ...record, key: feedKey(record) }));
  }

  #approvals(request: IncomingMessage, response: ServerResponse, method: string, rest: string[], query: URLSearchParams, auth: Authenticated): Promise<void> | void {
    const approvals = this.#host.approvals;
    if (!approvals) throw adminError('not_found', 'This gateway has no approval service', 'approvals need a data_dir; require_approval rules are refused without one');
    if (rest.length === 0) {
      if (method !== 'GET') throw methodNotAllowed(response, 'GET');
      const status = query.get('status') || undefined;
      if (status !== undefined && !(APPROVAL_STATUSES as readonly string[]).includes(status)) {
        throw adminError('invalid_request', `Unknown approval status "${status}"`, `use one of ${APPROVAL_STATUSES.join(', ')}, or leave it out for all`);
      }
      const limit = parseLimit(query.get('limit'), 200, 1000);
      return approvals.list({ status: status as ApprovalStatus | undefined, limit }).then((list) => sendAdminJson(response, 200, list));
    }
    const id = decodePathSegment(rest[0], 'approval id');
    if (rest.length === 1) {
      if (method !== 'GET') throw methodNotAllowed(response, 'GET');
      return approvals.get(id).then((approval) => {
        if (!approval) throw adminError('not_found', `No approval ${id}`, `list them with GET ${API}approvals`);
        sendAdminJson(response, 200, approval);
      });
    }
    if (rest.length !== 2 || (rest[1] !== 'approve' && rest[1] !== 'refuse')) {
      throw adminError('not_found', `No admin endpoint ${method} ${API}approvals/${rest.join('/')}`, 'use approvals/:id/approve or approvals/:id/refuse');
    }
    if (method !== 'POST') throw methodNotAllowed(response, 'POST');
    requireRole(auth.operator, 'approver', rest[1] === 'approve' ? 'approving a held call' : 'refusing a held call');
    this.#requireSameOriginForCookie(request, auth);
    return readJsonObject(request).then(async (body) => {
      const approver = parseApprover(body.approver, auth);
      if (rest[1] === 'approve') {
        const scope = body.scope ?? 'once';
        if (scope !== 'once' && scope !== 'session') throw adminError('invalid_request', `scope must be "once" or "session", not ${JSON.stringify(scope)}`);
        const minutes = body.minutes;
        if (minutes !== undefined && (typeof minutes !== 'number' || !Number.isFinite(minutes))) throw adminError('invalid_request', 'minutes must be a number (how long the session approval lasts)');
        if (scope === 'once' && minutes !== undefined) throw adminError('invalid_request', 'minutes applies only to scope "session"', 'send {"scope": "session", "minutes": 30} to approve this tool for the call\'s session');
        sendAdminJson(response, 200, await approvals.approve(id, { scope, approver, ...(minutes === undefined ? {} : { minutes }) }));
        return;
      }
      if (typeof body.reason !== 'string' || body.reason.trim() === '') {
        throw adminError('invalid_request', 'A refusal needs a reason: send {"reason": "..."}', 'the agent reads the reason, so say what it should do instead');
      }
      sendAdminJson(response, 200, await approvals.refuse(id, body.reason.trim(), approver));
    });
  }

  async #rateLimits() {
    const store = this.#host.rateLimits;
    if (!store.snapshot) throw adminError('not_found', 'This rate-limit store cannot list its counters', 'the in-memory store can; shared stores may not');
    return rateLimitRows(await store.snapshot(this.#host.now()));
  }
}

/** What the session endpoint says of a named operator; for the shared token it says what it always said (nothing more). */
function operatorView(operator: Operator): { operator?: string; role?: OperatorRole } {
  return operator.name === undefined ? {} : { operator: operator.name, role: operator.role };
}

/** The policy has a rule whose key is exactly this name (a glob key names no tool in particular). */
function namedByPolicy(config: Config, server: string, tool: string): boolean {
  const rules = config.policies[server]?.tools;
  return rules !== undefined && Object.hasOwn(rules, tool) && !/[*?]/.test(tool);
}

/** A name from the path, decoded and bounded. */
function segment(raw: string, what: string): string {
  return boundedName(decodePathSegment(raw, what), what);
}

function pendingCount(approvals: AdminHost['approvals']): number {
  return approvals?.pendingCount ?? 0;
}

function methodNotAllowed(response: ServerResponse, allow: string) {
  response.setHeader('allow', allow);
  return adminError('method_not_allowed', `This endpoint answers ${allow} only`);
}

function decisionSummary(event: DecisionEvent): DecisionSummary {
  const { decision, call } = event;
  return {
    time: event.time,
    server: call.server,
    tool: call.tool,
    session: call.session ?? null,
    requestId: event.requestId,
    decision: decision.kind,
    mode: decision.mode,
    rule: decision.rule.pattern,
    part: decision.rule.part,
    reason: 'reason' in decision ? decision.reason : null,
    forwarded: event.forwarded,
    policyMicros: Math.round(event.policyMicros),
  };
}
