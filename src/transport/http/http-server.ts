import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { errorAnswer } from '../../error-table.js';
import { ToolgateError } from '../../errors.js';
import type { Agent } from '../../identity/agent.js';
import type { ClientSession } from '../client-session.js';
import {
  answerableId,
  envelopeProblem,
  errorResponse,
  INVALID_REQUEST,
  isRequest,
  type JsonRpcMessage,
  type RequestId,
} from '../jsonrpc.js';
import { HttpSession } from './http-session.js';
import { checkHostAndOrigin, decodePathSegment, readBody, type HostPolicy } from './request-guards.js';

/** What the HTTP edge needs from the gateway: which servers exist, and a session per client. */
export interface SessionHost {
  serverIds(): string[];
  /** Starts a proxied session (and its upstream) for `agent`. Throws a ToolgateError when it cannot. */
  openSession(serverId: string, sessionId: string, agent: Agent): ClientSession;
}

/** The bounds the edge enforces; read on every use, so a reloaded config applies at once. */
export interface EdgeLimits {
  maxSessions: number;
  maxSessionsPerServer: number;
  /** Sessions with no open stream and no traffic for this long are closed. */
  sessionIdleMs: number;
  /** Bytes of SSE events kept per session for resumption (and of messages queued for its GET stream). */
  replayBufferBytes: number;
  /** How deeply a client message's params may nest. */
  maxJsonDepth: number;
}

export interface HttpEdgeOptions extends HostPolicy {
  host: SessionHost;
  maxBodyBytes: number;
  log: Logger;
  limits: () => EdgeLimits;
  /** The clock of session activity (idle expiry); default Date.now. */
  now?: () => number;
  /**
   * Serves another protocol generation on the same URLs (MCP 2026-07-28, chosen per request);
   * resolves true when it answered the request, false to leave it to this 2025 edge.
   */
  otherGeneration?: (request: IncomingMessage, response: ServerResponse, serverId: string, body: unknown, agent: Agent) => Promise<boolean>;
  /**
   * Who is calling: the request's verified agent, or undefined when the request was refused (and
   * answered). Runs before anything else is done for an MCP request.
   */
  authenticate: (request: IncomingMessage, response: ServerResponse, serverId: string) => Promise<Agent | undefined>;
  /**
   * This instance's tag when it is one of a fleet: session ids start with it (`<tag>.<uuid>`), and
   * a session id of another instance is answered 421 naming sticky routing, not 404 (on which a
   * client would silently start a new session).
   */
  instanceTag?: string;
  /** Other routes (health, admin); return true when handled. */
  routes?: (request: IncomingMessage, response: ServerResponse, url: URL) => boolean | Promise<boolean>;
}

const MCP_PATH = /^\/mcp\/([^/]+)\/?$/;
/** A request target that is already a normalized MCP path: no query, dot segments or escapes. */
const PLAIN_MCP_PATH = /^\/mcp\/([A-Za-z0-9_-]+)\/?$/;
const ENDED_SESSIONS_REMEMBERED = 1000;
/** A session id made by an instance of a fleet: its tag, a dot, a UUID. */
const FLEET_SESSION = /^([A-Za-z0-9_-]{8})\.[0-9a-f-]{36}$/;
/** How often idle sessions are looked for, as a share of the idle timeout, within bounds. */
const SWEEPS_PER_IDLE_TIMEOUT = 4;
const SWEEP_MS = { min: 25, max: 30_000 };

/**
 * The Streamable HTTP edge (MCP 2025-03-26 .. 2025-11-25): `POST|GET|DELETE /mcp/<server-id>`,
 * sessions, SSE streams, resumption, and the HTTP hygiene in front of them.
 */
export class HttpEdge {
  readonly server: Server;
  readonly sessions = new Map<string, HttpSession>();
  readonly #endedSessions = new Map<string, string>();
  readonly #options: HttpEdgeOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  #sweeper?: NodeJS.Timeout;

  constructor(options: HttpEdgeOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => this.#fail(response, error));
    });
    this.server.keepAliveTimeout = 65_000;
    this.#scheduleSweep();
  }

  listen(port: number, host: string): Promise<{ port: number; host: string }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve({ port: typeof address === 'object' && address ? address.port : port, host });
      });
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.#sweeper);
    this.#sweeper = undefined;
    await Promise.allSettled([...this.sessions.values()].map((session) => session.close()));
    this.sessions.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    checkHostAndOrigin(request, this.#options);
    this.#cors(request, response);
    // Every MCP message comes here: a plain /mcp/<id> path is taken as it is, anything else is
    // parsed (and normalized) as a URL first.
    let match = PLAIN_MCP_PATH.exec(request.url ?? '');
    if (!match) {
      const url = new URL(request.url ?? '/', 'http://gateway');
      match = MCP_PATH.exec(url.pathname);
      if (!match) {
        if (await this.#options.routes?.(request, response, url)) return;
        sendJson(response, 404, { error: 'not_found', message: `No route for ${request.method} ${url.pathname}; MCP servers are served at /mcp/<server-id>`, knownServers: this.#options.host.serverIds() });
        return;
      }
    }
    const serverId = decodePathSegment(match[1], 'server id');
    const known = this.#options.host.serverIds();
    if (!known.includes(serverId)) {
      sendJson(response, 404, {
        error: 'unknown_server',
        message: `No MCP server "${serverId}" is configured; known servers: ${known.join(', ') || '(none)'}`,
        knownServers: known,
      });
      return;
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204).end(); // a browser's preflight carries no credentials
      return;
    }
    const agent = await this.#options.authenticate(request, response, serverId);
    if (agent === undefined) return;
    if (request.method !== 'POST' && (await this.#options.otherGeneration?.(request, response, serverId, undefined, agent))) return;
    switch (request.method) {
      case 'POST':
        return this.#post(request, response, serverId, agent);
      case 'GET':
        return this.#get(request, response, serverId, agent);
      case 'DELETE':
        return this.#delete(request, response, serverId, agent);
      default:
        response.setHeader('allow', 'GET, POST, DELETE, OPTIONS');
        throw new ToolgateError('method_not_allowed', `${request.method} is not part of the MCP Streamable HTTP transport; use POST, GET or DELETE`);
    }
  }

  async #post(request: IncomingMessage, response: ServerResponse, serverId: string, agent: Agent): Promise<void> {
    const accept = request.headers.accept ?? '';
    if (!(accept.includes('application/json') || accept.includes('*/*')) || !(accept.includes('text/event-stream') || accept.includes('*/*'))) {
      throw new ToolgateError('not_acceptable', 'The client must accept both application/json and text/event-stream (Accept header), as the MCP Streamable HTTP transport requires');
    }
    const contentType = request.headers['content-type'] ?? '';
    if (!contentType.includes('application/json')) {
      throw new ToolgateError('unsupported_media_type', `POST bodies must be application/json, not "${contentType || 'none'}"`);
    }
    const raw = await readBody(request, this.#options.maxBodyBytes);
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(raw) as JsonRpcMessage;
    } catch (error) {
      throw new ToolgateError('parse_error', `Parse error: the body is not valid JSON (${(error as Error).message})`);
    }
    const problem = envelopeProblem(message, this.#options.limits().maxJsonDepth);
    if (problem) {
      sendJson(response, 400, errorResponse(answerableId(message), INVALID_REQUEST, `Invalid request: ${problem}`));
      return;
    }
    if (await this.#options.otherGeneration?.(request, response, serverId, message, agent)) return;

    const sessionHeader = request.headers['mcp-session-id'];
    if (isRequest(message) && message.method === 'initialize') {
      if (sessionHeader !== undefined) {
        throw new ToolgateError('invalid_request', 'initialize was sent with an Mcp-Session-Id: the session is already initialized; send initialize without the header to start a new session');
      }
      let session: HttpSession;
      try {
        session = this.#openSession(serverId, agent);
      } catch (error) {
        this.#fail(response, error, message.id);
        return;
      }
      session.openRequestStream(message.id, response);
      session.handler.handleClientMessage(message, raw, traceHeaders(request));
      return;
    }
    const session = this.#session(sessionHeader, serverId, agent);
    session.touch();
    if (isRequest(message)) {
      if (!session.openRequestStream(message.id, response)) {
        sendJson(response, 400, errorResponse(message.id, INVALID_REQUEST, `Invalid request: request id ${JSON.stringify(message.id)} is already in use by a request in flight`));
        return;
      }
      session.handler.handleClientMessage(message, raw, traceHeaders(request));
      return;
    }
    session.handler.handleClientMessage(message, raw);
    response.writeHead(202, { 'mcp-session-id': session.id }).end();
  }

  async #get(request: IncomingMessage, response: ServerResponse, serverId: string, agent: Agent): Promise<void> {
    if (!(request.headers.accept ?? '').includes('text/event-stream')) {
      throw new ToolgateError('not_acceptable', 'GET opens an event stream: the client must accept text/event-stream');
    }
    const session = this.#session(request.headers['mcp-session-id'], serverId, agent);
    session.touch();
    const lastEventId = request.headers['last-event-id'];
    if (typeof lastEventId === 'string') {
      session.resume(lastEventId, response);
      return;
    }
    if (!session.openStandaloneStream(response)) {
      throw new ToolgateError('conflict', 'This session already has an open GET stream; only one is allowed per session');
    }
  }

  async #delete(request: IncomingMessage, response: ServerResponse, serverId: string, agent: Agent): Promise<void> {
    const session = this.#session(request.headers['mcp-session-id'], serverId, agent);
    this.#forget(session, 'the client ended it with DELETE');
    await session.close();
    response.writeHead(200).end();
  }

  #openSession(serverId: string, agent: Agent): HttpSession {
    this.#checkSessionLimits(serverId);
    const id = this.#options.instanceTag === undefined ? randomUUID() : `${this.#options.instanceTag}.${randomUUID()}`;
    const handler = this.#options.host.openSession(serverId, id, agent);
    const session = new HttpSession({
      id,
      serverId,
      agentKey: agent.key,
      handler,
      now: this.#now,
      replayBufferBytes: () => this.#options.limits().replayBufferBytes,
      log: this.#log.child({ server: serverId, session: id }),
      onEnd: (ended) => {
        this.#forget(ended, ended.ended?.message ?? 'it could not be initialized');
        void ended.close();
      },
    });
    this.sessions.set(id, session);
    return session;
  }

  /** The session the header names; one opened by another agent is answered as unknown (404), as the MCP spec advises. */
  #session(header: string | string[] | undefined, serverId: string, agent: Agent): HttpSession {
    if (header === undefined) {
      throw new ToolgateError('session_required', 'The Mcp-Session-Id header is required: send initialize first and echo the session id it returns on every later request');
    }
    const id = Array.isArray(header) ? header[0] : header;
    const session = this.sessions.get(id);
    if (!session || session.serverId !== serverId || session.agentKey !== agent.key) {
      const tag = FLEET_SESSION.exec(id)?.[1];
      if (this.#options.instanceTag !== undefined && tag !== undefined && tag !== this.#options.instanceTag) {
        throw new ToolgateError(
          'wrong_instance',
          `Session ${id} belongs to another toolgate instance of this fleet (${tag}; this one is ${this.#options.instanceTag}), or to this one before a restart; the load balancer must route every request of a session to the instance that created it (route on the Mcp-Session-Id header; see the README, "Running as a fleet")`,
        );
      }
      const why = this.#endedSessions.get(id);
      throw new ToolgateError('unknown_session', `Session not found: ${why ? `session ${id} ended because ${why}` : `no session ${id} on server "${serverId}"`}; start a new session with initialize`);
    }
    return session;
  }

  #forget(session: HttpSession, reason: string): void {
    if (!this.sessions.delete(session.id)) return;
    this.#endedSessions.set(session.id, reason);
    if (this.#endedSessions.size > ENDED_SESSIONS_REMEMBERED) this.#endedSessions.delete(this.#endedSessions.keys().next().value!);
  }

  /** Refuses a new session when the gateway, or this server, has as many as the limits allow. */
  #checkSessionLimits(serverId: string): void {
    const { maxSessions, maxSessionsPerServer } = this.#options.limits();
    if (this.sessions.size >= maxSessions) {
      throw new ToolgateError(
        'limit_reached',
        `Too many sessions: the gateway has ${this.sessions.size} open, the most limits.max_sessions (${maxSessions}) allows; end unused sessions (DELETE), wait for idle ones to expire, or raise limits.max_sessions in the gateway's config`,
        { data: { limit: 'limits.max_sessions', max: maxSessions } },
      );
    }
    let onServer = 0;
    for (const session of this.sessions.values()) if (session.serverId === serverId) onServer += 1;
    if (onServer >= maxSessionsPerServer) {
      throw new ToolgateError(
        'limit_reached',
        `Too many sessions for server "${serverId}": ${onServer} are open, the most limits.max_sessions_per_server (${maxSessionsPerServer}) allows; end unused sessions (DELETE), wait for idle ones to expire, or raise limits.max_sessions_per_server in the gateway's config`,
        { data: { limit: 'limits.max_sessions_per_server', max: maxSessionsPerServer, server: serverId } },
      );
    }
  }

  /** Re-armed after each sweep, so a reload that shortens the idle timeout takes effect. */
  #scheduleSweep(): void {
    const idleMs = this.#options.limits().sessionIdleMs;
    const every = Math.min(SWEEP_MS.max, Math.max(SWEEP_MS.min, Math.floor(idleMs / SWEEPS_PER_IDLE_TIMEOUT)));
    this.#sweeper = setTimeout(() => {
      this.#sweepIdle(this.#options.limits().sessionIdleMs);
      if (this.#sweeper) this.#scheduleSweep();
    }, every);
    this.#sweeper.unref();
  }

  /**
   * Closes sessions nobody uses: no stream with a client on it (a client that went away without
   * DELETE leaves none) and no message either way for `idleMs`. Their upstream process ends too.
   */
  #sweepIdle(idleMs: number): void {
    const cutoff = this.#now() - idleMs;
    for (const session of this.sessions.values()) {
      if (session.idle && session.lastActivity <= cutoff) {
        const seconds = idleMs >= 1000 ? `${Math.round(idleMs / 1000)}s` : `${idleMs}ms`;
        this.#forget(session, `it was idle for more than ${seconds} (limits.session_idle_timeout)`);
        this.#log.info({ server: session.serverId, session: session.id }, 'idle session closed');
        void session.close();
      }
    }
  }

  /** Browsers may call the gateway from allowed origins (checked above); answer their preflights. */
  #cors(request: IncomingMessage, response: ServerResponse): void {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('vary', 'Origin');
    response.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
    // MCP 2026-07-28 mirrors tool parameters into Mcp-Param-<Name> headers, whose names the tools choose: allow those asked for.
    const params = String(request.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name.startsWith('mcp-param-') && name.length <= 128 && /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
      .slice(0, 32);
    response.setHeader('access-control-allow-headers', ['content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id, mcp-method, mcp-name', ...params].join(', '));
    response.setHeader('access-control-expose-headers', 'mcp-session-id, mcp-protocol-version');
  }

  #fail(response: ServerResponse, error: unknown, id: RequestId | null = null): void {
    const known = error instanceof ToolgateError;
    if (!known) this.#log.error({ err: error }, 'unexpected error while handling a request');
    if (response.headersSent) {
      response.end();
      return;
    }
    const code = known ? error.code : undefined;
    const { http, jsonRpc } = errorAnswer(code);
    const message = known ? error.message : `Internal error in toolgate: ${(error as Error)?.message ?? String(error)}`;
    if (code === 'body_too_large') response.setHeader('connection', 'close');
    sendJson(response, http, errorResponse(id, jsonRpc, message, known ? error.data : undefined));
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** The W3C trace context headers of a request, when it has them (strings only; the tracing module bounds them). */
function traceHeaders(request: IncomingMessage): { traceparent?: string; tracestate?: string } | undefined {
  const { traceparent, tracestate } = request.headers;
  if (typeof traceparent !== 'string') return undefined;
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}
