import type { Logger } from 'pino';
import type { ToolgateError } from '../errors.js';
import type { ClientSession, Downstream, InputRequest, RetryAnswer } from '../transport/client-session.js';
import { forwardedHeaders } from '../transport/forwarded-headers.js';
import {
  errorResponse,
  isRequest,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../transport/jsonrpc.js';
import { withCacheHints } from './discover.js';
import { ListenStreams } from './listen-streams.js';
import type { ModernExchange } from './modern-exchange.js';
import { ParkedCalls, type ParkingOptions } from './parked-calls.js';
import { bindingFor, type RequestStateSealer } from './request-state.js';
import { INPUT_REQUEST_CAPABILITY, LOG_LEVELS, META_SERVER_INFO, META_SUBSCRIPTION_ID, TOOLGATE_2026_CODES } from './wire.js';

export interface ModernDownstreamOptions {
  serverId: string;
  sealer: RequestStateSealer;
  policyRevision: () => string;
  log: Logger;
  /** `private` when the tool list depends on who asks (the policy hides tools), so no shared cache may keep it. */
  toolListScope: () => 'private' | undefined;
  parking?: ParkingOptions;
  /** Open `subscriptions/listen` streams per caller and server (2025 upstreams). Default 100. */
  maxListeners?: number;
}

/** Ids the downstream gives requests it hands to the pipeline: unique within the pool session. */
const ID_PREFIX = 'm:';
const MAX_LIST_PAGES = 20;
const MAX_SCHEMAS = 10_000;
const OWN_PREFIX = 'm:own:';

/**
 * The 2026-07-28 side of one pooled proxy session: many HTTP exchanges from the same caller share
 * one pipeline (and, for a 2025 upstream, one upstream session). Each request gets an id unique
 * in the session and its answer goes back to its own exchange, translated for a 2026 client:
 * `resultType`, cache hints, toolgate's error codes outside the reserved range, the upstream's
 * own `requestState` sealed so only this caller can bring it back for this call. For a 2025
 * upstream it also bridges what that generation does with server-to-client requests and its
 * session's notifications (parked calls, listen streams, log levels).
 */
export class ModernDownstream implements Downstream {
  readonly #options: ModernDownstreamOptions;
  #handler?: ClientSession;
  readonly #exchanges = new Map<RequestId, ModernExchange>();
  readonly #retries = new Map<RequestId, RetryAnswer>();
  readonly #own = new Map<RequestId, (response: JsonRpcResponse) => void>();
  /** Input schemas of the tools this caller was shown, for checking `Mcp-Param-*` headers. */
  readonly #schemas = new Map<string, unknown>();
  readonly #parked: ParkedCalls;
  #listen?: ListenStreams;
  /**
   * The upstream's `initialize` result when it speaks 2025 and toolgate bridges (its session was
   * opened with this caller's capabilities); undefined for a 2026 upstream.
   */
  #legacyInitialize?: Record<string, unknown>;
  #count = 0;
  #upstreamLogLevel?: string;
  #ended?: ToolgateError;

  constructor(options: ModernDownstreamOptions) {
    this.#options = options;
    this.#parked = new ParkedCalls(
      {
        exchangeOf: (id) => this.#exchanges.get(id),
        answerInputRequired: (id, inputRequests, parkId, ttlMs) => this.#answerInputRequired(id, inputRequests, { kind: 'parked', data: parkId, ttlMs }),
        reattach: (id, exchange) => this.#attach(id, exchange),
        toUpstream: (message) => this.#handler?.handleClientMessage(message),
        deliver: (id, response) => this.send(response, undefined, id),
        log: options.log,
      },
      options.parking,
    );
  }

  /** The upstream speaks 2025: this is its session's `initialize` result. */
  bridgeTo(initialize: Record<string, unknown>): void {
    this.#legacyInitialize = initialize;
    const capabilities = (initialize.capabilities as Record<string, unknown> | undefined) ?? {};
    this.#listen = new ListenStreams(capabilities, (method, params) => this.request(method, params), this.#options.maxListeners ?? 100);
  }

  /** The pipeline this downstream feeds. */
  attach(handler: ClientSession): void {
    this.#handler = handler;
    handler.downstream = this;
  }

  get ended(): ToolgateError | undefined {
    return this.#ended;
  }

  /** Nothing in flight, parked or listening: the pooled session may be closed. */
  get idle(): boolean {
    return this.#exchanges.size === 0 && this.#parked.size === 0 && (this.#listen?.size ?? 0) === 0 && this.#own.size === 0;
  }

  /**
   * Hands a 2026 request to the pipeline; its answer goes to `exchange`. `retry` is the verified
   * state of a retried approval; `headers` the client's `Mcp-Param-*`, forwarded unchanged.
   */
  async start(exchange: ModernExchange, request: JsonRpcRequest, options: { retry?: RetryAnswer; headers?: Record<string, string> } = {}): Promise<void> {
    const id = `${ID_PREFIX}${++this.#count}`;
    if (options.retry) this.#retries.set(id, options.retry);
    await this.#applyLogLevel(exchange);
    if (exchange.done) return;
    this.#attach(id, exchange);
    const message = { ...request, id };
    forwardedHeaders.set(message, options.headers ?? {});
    this.#handler!.handleClientMessage(message);
  }

  /** A tool's input schema as this caller's tool list shows it (learnt from lists that passed, else asked for). */
  async inputSchemaOf(tool: string): Promise<unknown> {
    if (!this.#schemas.has(tool)) {
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES && !this.#schemas.has(tool); page++) {
        const response = await this.request('tools/list', cursor === undefined ? {} : { cursor });
        if ('error' in response) break;
        this.#learn(response.result.tools);
        cursor = typeof response.result.nextCursor === 'string' && response.result.nextCursor !== '' ? response.result.nextCursor : undefined;
        if (cursor === undefined) break;
      }
    }
    return this.#schemas.get(tool);
  }

  /** A retry for a parked call: false when the call is no longer parked. */
  resume(parkId: string, exchange: ModernExchange): boolean {
    return this.#parked.resume(parkId, exchange, exchange.request.params?.inputResponses);
  }

  /** `subscriptions/listen` in front of a 2025 upstream. */
  listen(exchange: ModernExchange): void {
    this.#listen!.open(exchange);
  }

  /** A request of toolgate's own, on behalf of this caller (resource subscriptions, log level, tool definitions). */
  request(method: string, params: Record<string, unknown>): Promise<JsonRpcResponse> {
    if (this.#ended) return Promise.resolve(errorResponse(null, -32010, this.#ended.message));
    const id = `${OWN_PREFIX}${++this.#count}`;
    return new Promise((resolve) => {
      this.#own.set(id, resolve);
      this.#handler!.handleClientMessage({ jsonrpc: '2.0', id, method, params });
    });
  }

  send(message: JsonRpcMessage, _raw: string | undefined, related: RequestId | undefined): void {
    if (isResponse(message)) {
      const id = message.id;
      if (id === null) return;
      const own = this.#own.get(id);
      if (own) {
        this.#own.delete(id);
        own(message);
        return;
      }
      const exchange = this.#exchanges.get(id);
      if (!exchange) {
        if (!this.#parked.keepResult(id, message)) this.#options.log.debug({ id }, 'an answer for a 2026 request nobody waits for; dropped');
        return;
      }
      this.#release(id);
      exchange.finish(this.#translate(exchange, message));
      return;
    }
    if (isRequest(message)) {
      if (related !== undefined && (this.#exchanges.has(related) || this.#parked.isParked(related))) this.#parked.ask(related, message);
      else this.#handler?.handleClientMessage(errorResponse(message.id, -32601, `toolgate: a 2026-07-28 client cannot be sent ${message.method} outside one of its requests`));
      return;
    }
    if (related !== undefined) {
      const exchange = this.#exchanges.get(related);
      if (exchange && this.#wants(exchange, message)) exchange.event(this.#tag(exchange, message));
      return;
    }
    this.#listen?.notify(message);
  }

  streaming(requestId: RequestId): void {
    this.#exchanges.get(requestId)?.stream();
  }

  abandon(requestId: RequestId): void {
    const exchange = this.#exchanges.get(requestId);
    this.#release(requestId);
    exchange?.abort();
  }

  end(error: ToolgateError): void {
    this.#ended = error;
    for (const [id, exchange] of [...this.#exchanges]) {
      this.#release(id);
      exchange.finish(errorResponse(exchange.id, TOOLGATE_2026_CODES[-32010], error.message));
    }
    this.#listen?.close();
    this.#parked.close();
  }

  canAskByRetry(requestId: RequestId, method: string): boolean {
    const exchange = this.#exchanges.get(requestId);
    const capability = Object.hasOwn(INPUT_REQUEST_CAPABILITY, method) ? INPUT_REQUEST_CAPABILITY[method] : undefined;
    return exchange !== undefined && capability !== undefined && exchange.envelope.clientCapabilities[capability] !== undefined;
  }

  askByRetry(requestId: RequestId, inputRequests: Record<string, InputRequest>, state: { kind: 'approval'; data: string; ttlMs: number }): boolean {
    if (!Object.values(inputRequests).every((request) => this.canAskByRetry(requestId, request.method))) return false;
    this.#answerInputRequired(requestId, inputRequests, state);
    return true;
  }

  retryAnswer(requestId: RequestId): RetryAnswer | undefined {
    return this.#retries.get(requestId);
  }

  /** Ends every stream and parked call (the pooled session is closing). */
  close(): void {
    for (const [id, exchange] of [...this.#exchanges]) {
      this.#release(id);
      exchange.abort();
    }
    this.#listen?.close();
    this.#parked.close();
  }

  #attach(id: RequestId, exchange: ModernExchange): void {
    this.#exchanges.set(id, exchange);
    // 2026-07-28: closing the response stream cancels the request.
    exchange.onGone = () => {
      if (this.#exchanges.get(id) !== exchange) return;
      this.#release(id);
      this.#handler?.handleClientMessage({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the client closed the response stream' } });
    };
  }

  #release(id: RequestId): void {
    this.#exchanges.delete(id);
    this.#retries.delete(id);
    this.#parked.settle(id);
  }

  #answerInputRequired(id: RequestId, inputRequests: Record<string, InputRequest>, state: { kind: 'parked' | 'approval'; data: string; ttlMs: number }): void {
    const exchange = this.#exchanges.get(id);
    if (!exchange) return;
    const binding = bindingFor(this.#options.serverId, exchange.authorizationContext, exchange.request, this.#options.policyRevision());
    const requestState = this.#options.sealer.seal(state.kind, binding, state.data, state.ttlMs);
    this.#exchanges.delete(id);
    this.#retries.delete(id);
    exchange.finish({ jsonrpc: '2.0', id: exchange.id, result: { resultType: 'input_required', inputRequests, requestState } });
  }

  /** The answer as a 2026 client expects it, under the id it sent. */
  #translate(exchange: ModernExchange, response: JsonRpcResponse): JsonRpcResponse {
    if ('error' in response) {
      const code = TOOLGATE_2026_CODES[response.error.code] ?? response.error.code;
      return { jsonrpc: '2.0', id: exchange.id, error: { ...response.error, code } };
    }
    const method = exchange.request.method;
    let result = response.result;
    if (result.resultType === 'input_required') {
      if (typeof result.requestState === 'string') {
        const binding = bindingFor(this.#options.serverId, exchange.authorizationContext, exchange.request, this.#options.policyRevision());
        result = { ...result, requestState: this.#options.sealer.seal('upstream', binding, result.requestState) };
      }
      return { jsonrpc: '2.0', id: exchange.id, result };
    }
    if (method === 'tools/list') this.#learn(result.tools);
    if (result.resultType === undefined) result = { ...result, resultType: 'complete' };
    result = withCacheHints(method, result, method === 'tools/list' ? this.#options.toolListScope() : undefined);
    const meta = (result._meta as Record<string, unknown> | undefined) ?? {};
    const serverInfo = this.#legacyInitialize?.serverInfo;
    if (serverInfo !== undefined && meta[META_SERVER_INFO] === undefined) result = { ...result, _meta: { ...meta, [META_SERVER_INFO]: serverInfo } };
    if (method === 'subscriptions/listen') result = { ...result, _meta: { ...((result._meta as Record<string, unknown>) ?? {}), [META_SUBSCRIPTION_ID]: exchange.id } };
    return { jsonrpc: '2.0', id: exchange.id, result };
  }

  #learn(tools: unknown): void {
    if (!Array.isArray(tools)) return;
    for (const tool of tools as Array<{ name?: unknown; inputSchema?: unknown }>) {
      if (typeof tool?.name !== 'string' || (this.#schemas.size >= MAX_SCHEMAS && !this.#schemas.has(tool.name))) continue;
      this.#schemas.set(tool.name, tool.inputSchema);
    }
  }

  /** Log messages only for a request that asked for them, at its level or above. */
  #wants(exchange: ModernExchange, message: JsonRpcMessage): boolean {
    if (!('method' in message) || message.method !== 'notifications/message') return true;
    const asked = exchange.envelope.logLevel;
    if (asked === undefined) return false;
    const level = (message.params as { level?: unknown } | undefined)?.level;
    return typeof level !== 'string' || LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(asked);
  }

  /** Notifications on a listen stream carry the client's id of the subscription, not the pipeline's. */
  #tag(exchange: ModernExchange, message: JsonRpcMessage): JsonRpcMessage {
    if (exchange.request.method !== 'subscriptions/listen' || !('method' in message)) return message;
    const params = message.params ?? {};
    return { ...message, params: { ...params, _meta: { ...((params._meta as Record<string, unknown> | undefined) ?? {}), [META_SUBSCRIPTION_ID]: exchange.id } } } as JsonRpcMessage;
  }

  /**
   * A 2025 upstream has one log level for its session, set with `logging/setLevel`: lowered (once
   * per level) to the lowest any request asked for; each request only gets messages at its own.
   */
  async #applyLogLevel(exchange: ModernExchange): Promise<void> {
    const asked = exchange.envelope.logLevel;
    const capabilities = this.#legacyInitialize?.capabilities as Record<string, unknown> | undefined;
    if (asked === undefined || capabilities?.logging === undefined) return;
    if (this.#upstreamLogLevel !== undefined && LOG_LEVELS.indexOf(this.#upstreamLogLevel) <= LOG_LEVELS.indexOf(asked)) return;
    this.#upstreamLogLevel = asked;
    const response = await this.request('logging/setLevel', { level: asked });
    if ('error' in response) this.#options.log.debug({ error: response.error }, 'the upstream refused logging/setLevel');
  }
}

