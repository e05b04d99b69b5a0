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
}

/** What a transport serving clients hands each client message to; the gateway implements it. */
export interface ClientSession {
  downstream?: Downstream;
  handleClientMessage(message: JsonRpcMessage, raw?: string): void;
  /** The client's connection for this request closed before its response (it may resume later). */
  requestGone?(requestId: RequestId): void;
  close(): Promise<void>;
}
