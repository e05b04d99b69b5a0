import type { ToolgateError } from '../errors.js';
import type { JsonRpcMessage, RequestId } from './jsonrpc.js';

/**
 * One connection to an upstream MCP server, at the level of JSON-RPC messages. Transports know
 * nothing of policy: they move messages and say which client request a message belongs to when
 * the wire tells them (a Streamable HTTP response stream does; stdio does not).
 */
export interface Upstream {
  /** Human-readable name used in errors, e.g. `upstream "files" (stdio: npx ...)`. */
  readonly label: string;
  /**
   * Whether the wire says which client request each server message belongs to (Streamable
   * HTTP response streams do; stdio and the legacy HTTP+SSE transport do not).
   */
  readonly tiesMessagesToRequests: boolean;
  /**
   * Sends one message. `raw` is its JSON text when the gateway did not change it, so the
   * transport can forward the bytes as they came. A request that cannot be delivered is answered
   * through `onmessage` with a JSON-RPC error response; it never throws.
   */
  send(message: JsonRpcMessage, raw?: string): void;
  /** Ends the connection (and the upstream session or process). Idempotent. */
  close(): Promise<void>;
  /**
   * A message from the upstream. `relatedRequestId` is set when the wire ties it to a client
   * request (it arrived on that request's response stream).
   */
  onmessage?: (message: JsonRpcMessage, raw: string | undefined, relatedRequestId?: RequestId) => void;
  /** The upstream answers this request with an event stream (so the client should get one too). */
  onresponsestream?: (requestId: RequestId) => void;
  /** The connection ended without `close()` being called: the process died, the session expired. */
  onclose?: (error: ToolgateError) => void;
}

/** How many trailing stderr lines of an upstream process are kept for error messages. */
export const STDERR_TAIL_LINES = 20;
