import { ToolgateError } from '../errors.js';
import { errorResponse, isRequest, UPSTREAM_ERROR, type JsonRpcMessage } from '../transport/jsonrpc.js';
import type { Upstream } from '../transport/upstream.js';

/** Messages kept while the upstream is being chosen; more is a client flooding a session that is not ready. */
const MAX_QUEUED = 1000;

/**
 * An upstream whose connection is chosen once something is learnt (which protocol generation the
 * server speaks): messages sent before then wait, in order, and go to it as soon as it is there.
 */
export class DeferredUpstream implements Upstream {
  readonly label: string;
  onmessage?: Upstream['onmessage'];
  onclose?: Upstream['onclose'];
  onresponsestream?: Upstream['onresponsestream'];
  #target?: Upstream;
  #queue: Array<[JsonRpcMessage, string | undefined]> = [];
  #closed = false;

  constructor(label: string, target: Promise<Upstream>) {
    this.label = label;
    target.then(
      (upstream) => this.#attach(upstream),
      (error: unknown) => this.#fail(error instanceof ToolgateError ? error : new ToolgateError('upstream_unavailable', `${label} could not be reached: ${(error as Error).message}`)),
    );
  }

  get tiesMessagesToRequests(): boolean {
    return this.#target?.tiesMessagesToRequests ?? true;
  }

  send(message: JsonRpcMessage, raw?: string): void {
    if (this.#target) return this.#target.send(message, raw);
    if (this.#closed || this.#queue.length >= MAX_QUEUED) {
      if (isRequest(message)) this.onmessage?.(errorResponse(message.id, UPSTREAM_ERROR, `${this.label} is not ready`), undefined, message.id);
      return;
    }
    this.#queue.push([message, raw]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#queue = [];
    await this.#target?.close();
  }

  #attach(upstream: Upstream): void {
    if (this.#closed) {
      void upstream.close();
      return;
    }
    upstream.onmessage = (message, raw, related) => this.onmessage?.(message, raw, related);
    upstream.onclose = (error) => this.onclose?.(error);
    upstream.onresponsestream = (requestId) => this.onresponsestream?.(requestId);
    this.#target = upstream;
    const queued = this.#queue;
    this.#queue = [];
    for (const [message, raw] of queued) upstream.send(message, raw);
  }

  #fail(error: ToolgateError): void {
    this.#closed = true;
    for (const [message] of this.#queue) if (isRequest(message)) this.onmessage?.(errorResponse(message.id, UPSTREAM_ERROR, error.message), undefined, message.id);
    this.#queue = [];
    this.onclose?.(error);
  }
}
