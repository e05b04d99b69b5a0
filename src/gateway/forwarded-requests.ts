import type { ToolCall } from '../policy/types.js';
import type { Reservation } from './reservation.js';
import type { JsonRpcMessage, RequestId } from '../transport/jsonrpc.js';

/** A client request forwarded to the upstream, waiting for its answer. */
export interface ForwardedRequest {
  method: string;
  /** For `tools/call`: the call as decided, and when it was forwarded. */
  call?: ToolCall;
  forwardedAt?: number;
  progressToken?: string | number;
  /** A `tools/list` for a page after the first (its answer is not the whole list). */
  laterPage?: boolean;
  /** What the call took from rate limits and budgets, ended with how the call ended. */
  reservation?: Reservation;
  /** Ends the call when the upstream takes too long. */
  timer?: NodeJS.Timeout;
}

/**
 * The client requests of one session that are with the upstream, by the client's id, and which
 * of them a server message belongs to when the wire does not say.
 */
export class ForwardedRequests {
  readonly #byId = new Map<RequestId, ForwardedRequest>();
  readonly #progressOwners = new Map<string | number, RequestId>();

  add(id: RequestId, request: ForwardedRequest): void {
    this.#byId.set(id, request);
    if (request.progressToken !== undefined) this.#progressOwners.set(request.progressToken, id);
  }

  get(id: RequestId): ForwardedRequest | undefined {
    return this.#byId.get(id);
  }

  /** Takes the request out (it was answered, cancelled or timed out); undefined when it was not waiting. */
  settle(id: RequestId): ForwardedRequest | undefined {
    const request = this.#byId.get(id);
    if (!request) return undefined;
    this.#byId.delete(id);
    if (request.progressToken !== undefined) this.#progressOwners.delete(request.progressToken);
    if (request.timer) clearTimeout(request.timer);
    return request;
  }

  /** The session is closing: no call may time out after it. */
  stopTimers(): void {
    for (const request of this.#byId.values()) if (request.timer) clearTimeout(request.timer);
  }

  /** Takes every request out (the upstream ended). */
  settleAll(): Array<[RequestId, ForwardedRequest]> {
    const all = [...this.#byId.keys()].map((id) => [id, this.settle(id)!] as [RequestId, ForwardedRequest]);
    return all;
  }

  /**
   * For transports that do not say which request a server message belongs to (stdio, legacy
   * SSE): tie it by progress token or, when exactly one request is in flight, to that one.
   */
  guessRelated(message: JsonRpcMessage): RequestId | undefined {
    const params = (message as { params?: Record<string, unknown> }).params;
    const token = (params?.progressToken ?? (params?._meta as { progressToken?: unknown } | undefined)?.progressToken) as string | number | undefined;
    if (token !== undefined) {
      const owner = this.#progressOwners.get(token);
      if (owner !== undefined) return owner;
    }
    if (this.#byId.size === 1) return this.#byId.keys().next().value;
    return undefined;
  }
}
