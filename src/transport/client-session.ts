import type { ToolgateError } from '../errors.js';
import type { JsonRpcMessage, RequestId } from './jsonrpc.js';

/** The client side of a session, as the transport serving the client offers it to the gateway. */
export interface Downstream {
  /**
   * Hands a message to the client. `relatedRequestId` names the client request whose response
   * stream should carry it; undefined means "not tied to a request" (the standalone stream).
   */
  send(message: JsonRpcMessage, raw: string | undefined, relatedRequestId: RequestId | undefined): void;
  /** The upstream streams its answer to this request: stream it to the client as well. */
  streaming?(requestId: RequestId): void;
  /** The request will get no response (it was cancelled): release whatever waits for one. */
  abandon(requestId: RequestId): void;
  /** The upstream ended; the session cannot go on. */
  end(error: ToolgateError): void;
  /**
   * MCP 2026-07-28 clients are asked questions by answering their request `input_required` and
   * taking the answers from their retry (multi round-trip requests), not by server-to-client
   * requests. Answers `requestId` that way with `inputRequests` and a sealed state of `kind`
   * carrying `data`; false when this client cannot be asked so (a 2025 session, or a capability
   * it did not declare), and nothing was sent.
   */
  askByRetry?(requestId: RequestId, inputRequests: Record<string, InputRequest>, state: { kind: 'approval'; data: string; ttlMs: number }): boolean;
  /** Whether `askByRetry` can ask request `requestId`'s client a `method` question (it declared the capability). */
  canAskByRetry?(requestId: RequestId, method: string): boolean;
  /** When `requestId` is the retry of a question asked with `askByRetry`: the state it brought back, verified, and the answers. */
  retryAnswer?(requestId: RequestId): RetryAnswer | undefined;
}

/** A server-to-client request embedded in an `input_required` answer. */
export interface InputRequest {
  method: string;
  params: Record<string, unknown>;
}

export interface RetryAnswer {
  kind: 'approval';
  data: string;
  /** The client's answers, by the keys of the `inputRequests` it was asked. */
  inputResponses: Record<string, unknown>;
}

/** What a transport serving clients hands each client message to; the gateway implements it. */
export interface ClientSession {
  downstream?: Downstream;
  /** `traceHeaders`: the `traceparent`/`tracestate` headers of the HTTP request that carried it. */
  handleClientMessage(message: JsonRpcMessage, raw?: string, traceHeaders?: { traceparent?: string; tracestate?: string }): void;
  /** The client's connection for this request closed before its response (it may resume later). */
  requestGone?(requestId: RequestId): void;
  close(): Promise<void>;
}
