import { randomBytes } from 'node:crypto';
import { errorResponse, UPSTREAM_ERROR, type JsonRpcResponse, type RequestId } from '../transport/jsonrpc.js';

/**
 * Requests the gateway itself sends to one peer of a session — its `tools/list` to the upstream,
 * an approval's elicitation to the client — and their answers. A session keeps one of these per
 * peer and asks it only about messages from that peer, so an answer can only come from the side
 * the request went to. Ids carry a random prefix per instance: the upstream's prefix is never
 * shown to the client, and neither peer can guess an id the other was given.
 */
export class OwnRequests {
  readonly #prefix = `toolgate-${randomBytes(12).toString('base64url')}-`;
  readonly #waiting = new Map<string, (response: JsonRpcResponse) => void>();
  #count = 0;

  /** A new id and the promise of its answer. */
  issue(): { id: string; answer: Promise<JsonRpcResponse> } {
    const id = `${this.#prefix}${++this.#count}`;
    const answer = new Promise<JsonRpcResponse>((resolve) => this.#waiting.set(id, resolve));
    return { id, answer };
  }

  /** Whether an id is in this instance's id space (issued or not). */
  owns(id: RequestId | null): boolean {
    return typeof id === 'string' && id.startsWith(this.#prefix);
  }

  /**
   * Takes a response from this instance's peer. True when it is in this id space: it answered a
   * request still waiting (which now resolves), or it is a stray or repeated answer to drop.
   */
  settle(response: JsonRpcResponse): boolean {
    if (!this.owns(response.id)) return false;
    const resolve = this.#waiting.get(response.id as string);
    this.#waiting.delete(response.id as string);
    resolve?.(response);
    return true;
  }

  /** The peer is gone: every request still waiting is answered with an error. */
  failAll(message: string): void {
    for (const [id, resolve] of this.#waiting) resolve(errorResponse(id, UPSTREAM_ERROR, message));
    this.#waiting.clear();
  }
}
