import type { Logger } from 'pino';
import { forwardedHeaders } from '../transport/forwarded-headers.js';
import {
  errorResponse,
  isRequest,
  isResponse,
  UPSTREAM_ERROR,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../transport/jsonrpc.js';
import type { Upstream } from '../transport/upstream.js';
import type { DiscoverResult } from './discover.js';
import { headerDeclarations, paramHeaders, type HeaderDeclaration } from './header-values.js';
import { ModernPostError, postModern } from './modern-post.js';
import {
  INPUT_REQUEST_CAPABILITY,
  LEGACY_PROTOCOL_VERSIONS,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_LOG_LEVEL,
  META_PROTOCOL_VERSION,
  META_SERVER_INFO,
  META_SUBSCRIPTION_ID,
  MODERN_PROTOCOL_VERSION,
} from './wire.js';

export interface ModernUpstreamOptions {
  serverId: string;
  url: string;
  /** toolgate's own headers for this upstream (`servers.<id>.headers`). */
  headers: Record<string, string>;
  log: Logger;
  /** The upstream's `server/discover` answer: what a 2025 client's `initialize` is answered with. */
  discover: () => Promise<DiscoverResult>;
  /** The largest JSON body or SSE event held (`limits.max_line_bytes`). */
  maxMessageBytes: number;
}

/** Multi round-trip rounds one 2025 client request may take before toolgate gives up on it. */
const MAX_ROUNDS = 8;
const RELISTEN_DELAY_MS = 1000;
/** How long a 2025 client has to answer a question put to it on a 2026 server's behalf (a person may be answering). */
const ASK_TIMEOUT_MS = 10 * 60_000;

/**
 * A 2026-07-28 server: every message is its own POST, there is no session. Requests of 2026
 * clients already carry their `_meta` and go as they are (their `Mcp-Param-*` headers with them).
 * For a 2025 client in front of a 2026-only server toolgate plays the 2025 session: it answers
 * `initialize`, `ping` and `logging/setLevel` itself, adds the `_meta` envelope to each request,
 * turns an `input_required` answer into server-to-client requests on the session and retries with
 * the answers, and keeps a `subscriptions/listen` stream open for the session's notifications.
 */
export class ModernHttpUpstream implements Upstream {
  readonly label: string;
  readonly tiesMessagesToRequests = true;
  onmessage?: Upstream['onmessage'];
  onclose?: Upstream['onclose'];
  onresponsestream?: Upstream['onresponsestream'];

  readonly #options: ModernUpstreamOptions;
  readonly #url: URL;
  readonly #inFlight = new Map<RequestId, AbortController>();
  readonly #declarations = new Map<string, readonly HeaderDeclaration[]>();
  readonly #asks = new Map<RequestId, (response: JsonRpcResponse) => void>();
  readonly #subscriptions = new Set<string>();
  /** What a 2025 client said in `initialize`. */
  #client?: { capabilities: Record<string, unknown>; clientInfo?: unknown };
  #serverCapabilities: Record<string, unknown> = {};
  #logLevel?: string;
  #listen?: AbortController;
  #asked = 0;
  #closed = false;

  constructor(options: ModernUpstreamOptions) {
    this.#options = options;
    this.#url = new URL(options.url);
    this.label = `upstream "${options.serverId}" (${options.url}, MCP ${MODERN_PROTOCOL_VERSION})`;
  }

  send(message: JsonRpcMessage, _raw?: string): void {
    if (this.#closed) {
      if (isRequest(message)) this.#deliver(errorResponse(message.id, UPSTREAM_ERROR, `${this.label} is closed`), message.id);
      return;
    }
    if (isResponse(message)) {
      const waiting = message.id === null ? undefined : this.#asks.get(message.id);
      if (waiting) {
        this.#asks.delete(message.id!);
        waiting(message);
      }
      return; // a 2026 server asks nothing outside input_required answers
    }
    if (!isRequest(message)) {
      if (message.method === 'notifications/cancelled') this.#inFlight.get(message.params?.requestId as RequestId)?.abort();
      if (message.method === 'notifications/initialized') this.#relisten();
      return; // 2026-07-28 defines no other client notifications over HTTP
    }
    const meta = message.params?._meta as Record<string, unknown> | undefined;
    if (meta !== undefined && META_PROTOCOL_VERSION in meta) {
      void this.#forward(message, false);
      return;
    }
    void this.#serveLegacy(message);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listen?.abort();
    for (const controller of this.#inFlight.values()) controller.abort();
    this.#inFlight.clear();
    for (const [id, answer] of this.#asks) answer(errorResponse(id, UPSTREAM_ERROR, `${this.label} is closed`));
    this.#asks.clear();
  }

  /** A request of a 2025 session (or of toolgate's own), played against a server that has no sessions. */
  async #serveLegacy(request: JsonRpcRequest): Promise<void> {
    switch (request.method) {
      case 'initialize':
        return this.#initialize(request);
      case 'ping':
        return this.#deliver({ jsonrpc: '2.0', id: request.id, result: {} }, request.id);
      case 'logging/setLevel':
        this.#logLevel = typeof request.params?.level === 'string' ? request.params.level : undefined;
        return this.#deliver({ jsonrpc: '2.0', id: request.id, result: {} }, request.id);
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const uri = request.params?.uri;
        if (typeof uri === 'string') {
          if (request.method === 'resources/subscribe') this.#subscriptions.add(uri);
          else this.#subscriptions.delete(uri);
          this.#relisten();
        }
        return this.#deliver({ jsonrpc: '2.0', id: request.id, result: {} }, request.id);
      }
      default:
        return this.#forward(this.#withEnvelope(request), true);
    }
  }

  async #initialize(request: JsonRpcRequest): Promise<void> {
    const params = request.params ?? {};
    this.#client = { capabilities: (params.capabilities as Record<string, unknown> | undefined) ?? {}, clientInfo: params.clientInfo };
    let discover: DiscoverResult;
    try {
      discover = await this.#options.discover();
    } catch (error) {
      this.#deliver(errorResponse(request.id, UPSTREAM_ERROR, `${this.label} did not answer server/discover: ${(error as Error).message}`), request.id);
      return;
    }
    this.#serverCapabilities = discover.capabilities;
    const asked = typeof params.protocolVersion === 'string' ? params.protocolVersion : undefined;
    const serverInfo = (discover._meta?.[META_SERVER_INFO] as Record<string, unknown> | undefined) ?? { name: this.#options.serverId, version: 'unknown' };
    this.#deliver(
      {
        jsonrpc: '2.0',
        id: request.id,
        result: {
          protocolVersion: asked !== undefined && LEGACY_PROTOCOL_VERSIONS.includes(asked) ? asked : LEGACY_PROTOCOL_VERSIONS[0],
          capabilities: discover.capabilities,
          serverInfo,
          ...(discover.instructions !== undefined ? { instructions: discover.instructions } : {}),
        },
      },
      request.id,
    );
  }

  /** The per-request `_meta` a 2025 session's request lacks: what its client said at `initialize`. */
  #withEnvelope(request: JsonRpcRequest): JsonRpcRequest {
    const params = request.params ?? {};
    const meta: Record<string, unknown> = {
      ...((params._meta as Record<string, unknown> | undefined) ?? {}),
      [META_PROTOCOL_VERSION]: MODERN_PROTOCOL_VERSION,
      [META_CLIENT_CAPABILITIES]: this.#client?.capabilities ?? {},
    };
    if (this.#client?.clientInfo !== undefined) meta[META_CLIENT_INFO] = this.#client.clientInfo;
    if (this.#logLevel !== undefined) meta[META_LOG_LEVEL] = this.#logLevel;
    return { ...request, params: { ...params, _meta: meta } };
  }

  /**
   * One request to the server, with its retries when it answers `input_required` and the client
   * is a 2025 one (`fulfil`): each round's questions are asked on the session, the answers go
   * back in the retry. Everything the server sends is handed on under the request's own id.
   */
  async #forward(request: JsonRpcRequest, fulfil: boolean): Promise<void> {
    const controller = new AbortController();
    this.#inFlight.set(request.id, controller);
    let attempt = request;
    try {
      for (let round = 0; ; round++) {
        const answer = await this.#post(request, attempt, controller.signal, fulfil);
        if (!fulfil || !answer || !('result' in answer) || answer.result.resultType !== 'input_required') {
          if (answer) this.#deliver(fulfil ? this.#asLegacyAnswer(request, answer) : answer, request.id);
          return;
        }
        if (round + 1 >= MAX_ROUNDS) {
          this.#deliver(errorResponse(request.id, UPSTREAM_ERROR, `${this.label} still asked for input after ${MAX_ROUNDS} rounds`), request.id);
          return;
        }
        const inputResponses = await this.#askClient(request.id, answer.result.inputRequests);
        if (controller.signal.aborted) return;
        const { requestState } = answer.result;
        attempt = { ...request, params: { ...request.params, inputResponses, ...(typeof requestState === 'string' ? { requestState } : {}) } };
      }
    } catch (error) {
      if (controller.signal.aborted) return; // cancelled: a 2026 server needs nothing more than the closed stream
      const reason = error instanceof ModernPostError ? error.message : `${(error as Error).message}`;
      this.#deliver(errorResponse(request.id, UPSTREAM_ERROR, `${this.label} failed: ${reason}`), request.id);
    } finally {
      this.#inFlight.delete(request.id);
    }
  }

  /** POSTs one attempt; notifications are handed on as they come, the response is returned. */
  async #post(request: JsonRpcRequest, attempt: JsonRpcRequest, signal: AbortSignal, legacyClient: boolean): Promise<JsonRpcResponse | undefined> {
    const id = request.id;
    let answer: JsonRpcResponse | undefined;
    let streaming = false;
    await postModern({
      url: this.#url,
      // A client's request goes with exactly the Mcp-Param-* headers it sent (the server must see a missing one);
      // a request toolgate built (for a 2025 client, or rebuilt after an approval) gets them from the tool's declarations.
      headers: { ...this.#options.headers, ...(forwardedHeaders.get(request) ?? this.#paramHeaders(attempt)) },
      message: attempt,
      signal,
      maxMessageBytes: this.#options.maxMessageBytes,
      onMessage: (message) => {
        if (isResponse(message)) {
          answer = { ...message, id } as JsonRpcResponse;
          return;
        }
        if (!streaming) {
          streaming = true;
          this.onresponsestream?.(id);
        }
        this.#deliver(legacyClient ? stripSubscription(message) : message, id);
      },
    });
    if (answer && 'result' in answer && attempt.method === 'tools/list') this.#learn(answer.result.tools);
    return answer;
  }

  /** Asks a 2025 client the server's questions, as that generation does: requests on the session, tied to the call. */
  async #askClient(callId: RequestId, inputRequests: unknown): Promise<Record<string, unknown>> {
    const asked = inputRequests !== null && typeof inputRequests === 'object' ? Object.entries(inputRequests as Record<string, { method?: unknown; params?: unknown }>) : [];
    const answers = await Promise.all(
      asked.map(async ([key, request]) => {
        const method = typeof request?.method === 'string' ? request.method : '';
        const capability = Object.hasOwn(INPUT_REQUEST_CAPABILITY, method) ? INPUT_REQUEST_CAPABILITY[method] : undefined;
        if (capability === undefined || this.#client?.capabilities[capability] === undefined) return [key, undefined] as const;
        const id = `toolgate-input:${++this.#asked}`;
        const response = await new Promise<JsonRpcResponse>((resolve) => {
          const timer = setTimeout(() => {
            this.#asks.delete(id);
            resolve(errorResponse(id, UPSTREAM_ERROR, `the client did not answer ${method} within ${ASK_TIMEOUT_MS / 1000}s`));
          }, ASK_TIMEOUT_MS);
          timer.unref();
          this.#asks.set(id, (answer) => {
            clearTimeout(timer);
            resolve(answer);
          });
          this.#deliver({ jsonrpc: '2.0', id, method, params: (request.params as Record<string, unknown> | undefined) ?? {} }, callId);
        });
        return [key, 'result' in response ? response.result : undefined] as const;
      }),
    );
    return Object.fromEntries(answers.filter(([, answer]) => answer !== undefined));
  }

  /** A 2026 answer as a 2025 client expects it: no `resultType`. */
  #asLegacyAnswer(request: JsonRpcRequest, answer: JsonRpcResponse): JsonRpcResponse {
    if (!('result' in answer) || answer.result.resultType === undefined) return answer;
    const { resultType: _resultType, ...result } = answer.result;
    return { ...answer, id: request.id, result };
  }

  /** `Mcp-Param-*` for a tool call, from the tool's `x-mcp-header` declarations (a client must send them). */
  #paramHeaders(request: JsonRpcRequest): Record<string, string> {
    if (request.method !== 'tools/call' || typeof request.params?.name !== 'string') return {};
    const declarations = this.#declarations.get(request.params.name);
    return declarations ? paramHeaders(declarations, request.params.arguments) : {};
  }

  #learn(tools: unknown): void {
    if (!Array.isArray(tools)) return;
    for (const tool of tools as Array<{ name?: unknown; inputSchema?: unknown }>) {
      if (typeof tool?.name !== 'string') continue;
      const found = headerDeclarations(tool.inputSchema);
      if (found.valid && found.declarations.length) this.#declarations.set(tool.name, found.declarations);
      else this.#declarations.delete(tool.name);
    }
  }

  /**
   * A 2025 session hears of list changes and resource updates on its own; a 2026 server tells
   * them on a `subscriptions/listen` stream, reopened whenever the session's subscriptions change.
   */
  #relisten(): void {
    if (this.#closed || !this.#client) return;
    this.#listen?.abort();
    const controller = new AbortController();
    this.#listen = controller;
    const capabilities = this.#serverCapabilities;
    const listChanged = (name: string) => (capabilities[name] as { listChanged?: boolean } | undefined)?.listChanged === true;
    const notifications: Record<string, unknown> = {};
    if (listChanged('tools')) notifications.toolsListChanged = true;
    if (listChanged('prompts')) notifications.promptsListChanged = true;
    if (listChanged('resources')) notifications.resourcesListChanged = true;
    if (this.#subscriptions.size) notifications.resourceSubscriptions = [...this.#subscriptions];
    if (Object.keys(notifications).length === 0) return;
    const listen = this.#withEnvelope({ jsonrpc: '2.0', id: `toolgate-listen:${++this.#asked}`, method: 'subscriptions/listen', params: { notifications } });
    void postModern({
      url: this.#url,
      headers: this.#options.headers,
      message: listen,
      signal: controller.signal,
      maxMessageBytes: this.#options.maxMessageBytes,
      onMessage: (message) => {
        if (!('method' in message) || message.method === 'notifications/subscriptions/acknowledged') return;
        this.onmessage?.(stripSubscription(message), undefined, undefined);
      },
    })
      .catch((error: unknown) => this.#options.log.debug({ err: error }, 'the upstream subscriptions/listen stream failed'))
      .finally(() => {
        if (this.#listen !== controller || controller.signal.aborted || this.#closed) return;
        setTimeout(() => this.#listen === controller && this.#relisten(), RELISTEN_DELAY_MS).unref();
      });
  }

  #deliver(message: JsonRpcMessage, related: RequestId): void {
    this.onmessage?.(message, undefined, related);
  }
}

/** A 2025 client knows no subscription ids. */
function stripSubscription(message: JsonRpcMessage): JsonRpcMessage {
  const params = (message as { params?: Record<string, unknown> }).params;
  const meta = params?._meta as Record<string, unknown> | undefined;
  if (!meta || !(META_SUBSCRIPTION_ID in meta)) return message;
  const { [META_SUBSCRIPTION_ID]: _id, ...rest } = meta;
  return { ...message, params: { ...params, _meta: rest } } as JsonRpcMessage;
}
