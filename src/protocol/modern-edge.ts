import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ToolgateError } from '../errors.js';
import type { Agent } from '../identity/agent.js';
import { errorAnswer } from '../error-table.js';
import { errorResponse, INVALID_PARAMS, METHOD_NOT_FOUND, type JsonRpcError, type JsonRpcRequest } from '../transport/jsonrpc.js';
import type { DiscoverResult } from './discover.js';
import { headerDeclarations, paramHeaderProblem } from './header-values.js';
import type { ModernDownstream } from './modern-downstream.js';
import { ModernExchange } from './modern-exchange.js';
import { classify, type ClientEnvelope } from './request-codec.js';
import { bindingFor, refusalMessage, type RequestStateSealer } from './request-state.js';
import { HEADER_MISMATCH, REMOVED_METHODS, TOOLGATE_2026_CODES } from './wire.js';

/** One caller's pooled pipeline to one server, as the 2026 edge uses it. */
export interface ModernSession {
  downstream: ModernDownstream;
  /** `2026`: the upstream speaks 2026-07-28 and requests pass through; `2025`: toolgate bridges to a session it holds. */
  upstream: '2025' | '2026';
}

/** What the 2026 edge needs from the gateway. */
export interface ModernHost {
  /** The caller's pipeline to the server, ready for requests. Throws a ToolgateError when it cannot be had. */
  session(serverId: string, agent: Agent, envelope: ClientEnvelope): Promise<ModernSession>;
  /** `server/discover` for this caller. */
  discover(serverId: string, authorizationContext: string, session: ModernSession): Promise<DiscoverResult>;
  policyRevision(): string;
  readonly sealer: RequestStateSealer;
  readonly log: Logger;
}

/**
 * Serves MCP 2026-07-28 requests on `/mcp/<server-id>`, next to the 2025 edge on the same URL: the
 * request codec classifies and validates each request; a valid one goes into the caller's pooled
 * pipeline, where the same decision path as for 2025 sessions acts on it. Methods the revision
 * removed are method-not-found; `server/discover` is toolgate's; a `requestState` is toolgate's
 * sealed one and is opened (and checked against the retry) before anything else.
 */
export class ModernEdge {
  constructor(private readonly host: ModernHost) {}

  /**
   * False when the request is 2025 traffic (the 2025 edge serves it); true when it was answered here.
   * `agent` is the caller the edge verified: its `key` separates pooled sessions, sealed states
   * and private caches, so one agent can neither use nor replay another's.
   */
  async handle(request: IncomingMessage, response: ServerResponse, serverId: string, body: unknown, agent: Agent): Promise<boolean> {
    const classified = classify({ method: request.method ?? '', headers: request.headers, body });
    if (classified.generation === '2025') return false;
    if (classified.kind === 'refused') {
      if (classified.status === 405) response.setHeader('allow', 'POST, OPTIONS');
      sendError(response, classified.status, classified.error);
      return true;
    }
    if (classified.kind === 'notification') {
      response.writeHead(202).end(); // 2026-07-28 defines no client notifications over HTTP; accepted and dropped
      return true;
    }
    const { request: rpc, envelope, paramHeaders } = classified;
    if (REMOVED_METHODS.has(rpc.method)) {
      sendError(response, 404, errorResponse(rpc.id, METHOD_NOT_FOUND, `Method not found: ${rpc.method} is not part of MCP 2026-07-28 (no initialize, sessions, ping or logging/setLevel; resources are watched with subscriptions/listen)`));
      return true;
    }
    const exchange = new ModernExchange(response, rpc, envelope, agent.key);
    try {
      // A state that does not open is refused before anything is opened for the caller.
      const state = rpc.params?.requestState === undefined ? undefined : this.#openState(exchange, serverId);
      if (state === 'refused') return true;
      const session = await this.host.session(serverId, agent, envelope);
      await this.#serve(exchange, serverId, session, paramHeaders, state);
    } catch (error) {
      if (!(error instanceof ToolgateError)) this.host.log.error({ err: error, method: rpc.method }, 'unexpected error while serving a 2026 request');
      // toolgate's own errors: the one error table's JSON-RPC code, as 2026 clients get it (outside the reserved range).
      const code = errorAnswer(error instanceof ToolgateError ? error.code : undefined).jsonRpc;
      const data = error instanceof ToolgateError ? error.data : undefined;
      exchange.finish(errorResponse(rpc.id, TOOLGATE_2026_CODES[code] ?? code, error instanceof Error ? error.message : String(error), data));
    }
    return true;
  }

  /** Opens the request's `requestState` against what the request is; answers the refusal itself. */
  #openState(exchange: ModernExchange, serverId: string): { kind: 'upstream' | 'parked' | 'approval'; data: string } | 'refused' {
    const rpc = exchange.request;
    const opened = this.host.sealer.open(rpc.params?.requestState, bindingFor(serverId, exchange.authorizationContext, rpc, this.host.policyRevision()));
    if (opened.ok) return opened;
    exchange.finish(errorResponse(rpc.id, INVALID_PARAMS, refusalMessage(opened.reason), { reason: 'invalid_request_state', detail: opened.reason }));
    return 'refused';
  }

  async #serve(
    exchange: ModernExchange,
    serverId: string,
    session: ModernSession,
    paramHeaders: Record<string, string>,
    opened: { kind: 'upstream' | 'parked' | 'approval'; data: string } | undefined,
  ): Promise<void> {
    const rpc = exchange.request;
    if (rpc.method === 'server/discover') {
      const result = await this.host.discover(serverId, exchange.authorizationContext, session);
      exchange.finish({ jsonrpc: '2.0', id: rpc.id, result });
      return;
    }
    if (rpc.method === 'subscriptions/listen' && session.upstream === '2025') {
      session.downstream.listen(exchange);
      return;
    }
    let message: JsonRpcRequest = rpc;
    let approval: { kind: 'approval'; data: string; inputResponses: Record<string, unknown> } | undefined;
    if (opened) {
      if (opened.kind === 'parked') {
        if (!session.downstream.resume(opened.data, exchange)) {
          exchange.finish(errorResponse(rpc.id, INVALID_PARAMS, 'Invalid requestState: the call it continued is gone (it timed out or its server ended it); call again without it', { reason: 'invalid_request_state', detail: 'gone' }));
        }
        return;
      }
      const { requestState: _state, inputResponses, ...params } = rpc.params ?? {};
      if (opened.kind === 'upstream') message = { ...rpc, params: { ...params, ...(inputResponses !== undefined ? { inputResponses } : {}), requestState: opened.data } };
      else {
        approval = { kind: 'approval', data: opened.data, inputResponses: isObject(inputResponses) ? inputResponses : {} };
        message = { ...rpc, params };
      }
    }
    if (session.upstream === '2025' && rpc.method === 'tools/call' && typeof rpc.params?.name === 'string') {
      // toolgate is the 2026 server here: it checks the Mcp-Param-* headers the tool declares.
      const declared = headerDeclarations(await session.downstream.inputSchemaOf(rpc.params.name));
      const problem = declared.valid ? paramHeaderProblem(declared.declarations, rpc.params.arguments, paramHeaders) : undefined;
      if (problem) {
        exchange.finish(errorResponse(rpc.id, HEADER_MISMATCH, `Header mismatch: ${problem}`));
        return;
      }
    }
    await session.downstream.start(exchange, message, { ...(approval ? { retry: approval } : {}), headers: paramHeaders });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sendError(response: ServerResponse, status: number, error: JsonRpcError): void {
  const text = JSON.stringify(error);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
