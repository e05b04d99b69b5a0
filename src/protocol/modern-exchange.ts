import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse, RequestId } from '../transport/jsonrpc.js';
import type { ClientEnvelope } from './request-codec.js';
import { httpStatusOfError } from './wire.js';

const KEEPALIVE_MS = 15_000;
const STREAM_AFTER_MS = 1000;
const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Reverse proxies must not buffer the stream (the spec recommends saying so).
  'x-accel-buffering': 'no',
} as const;

/**
 * The answer to one 2026-07-28 request: a single JSON body, or an SSE stream when anything comes
 * before the response (progress, log messages, a held call's keep-alives). There are no sessions,
 * event ids or resumption in this revision; the client closing the stream cancels the request.
 */
export class ModernExchange {
  readonly request: JsonRpcRequest;
  readonly envelope: ClientEnvelope;
  /** Who is asking, as the gateway identifies callers (the seam agent identity fills). */
  readonly authorizationContext: string;
  /** Called once if the client goes away before the answer. */
  onGone?: () => void;
  #response?: ServerResponse;
  #mode: 'waiting' | 'sse' = 'waiting';
  #done = false;
  #keepalive?: NodeJS.Timeout;
  #streamSoon?: NodeJS.Timeout;

  constructor(response: ServerResponse, request: JsonRpcRequest, envelope: ClientEnvelope, authorizationContext: string) {
    this.#response = response;
    this.request = request;
    this.envelope = envelope;
    this.authorizationContext = authorizationContext;
    response.once('close', () => {
      if (this.#done) return;
      this.#done = true;
      this.#stopKeepalive();
      this.#response = undefined;
      this.onGone?.();
    });
  }

  get id(): RequestId {
    return this.request.id;
  }

  get done(): boolean {
    return this.#done;
  }

  /**
   * The answer will take a while (the upstream streams it, the call is held): if it has not come
   * within a second, answer with an event stream and keep it alive meanwhile. A quick answer
   * stays a plain JSON body with its own HTTP status.
   */
  stream(): void {
    if (this.#done || this.#mode === 'sse' || this.#streamSoon) return;
    this.#streamSoon = setTimeout(() => this.#startSse(), STREAM_AFTER_MS);
    this.#streamSoon.unref();
  }

  #startSse(): void {
    if (this.#done || this.#mode === 'sse' || !this.#response) return;
    this.#mode = 'sse';
    this.#response.writeHead(200, SSE_HEADERS);
    this.#response.flushHeaders();
    this.#keepalive = setInterval(() => this.#response?.write(': keep-alive\n\n'), KEEPALIVE_MS);
    this.#keepalive.unref();
  }

  /** A message that belongs to this request and comes before its answer. */
  event(message: JsonRpcMessage): void {
    if (this.#done) return;
    this.#startSse();
    this.#response?.write(`data: ${JSON.stringify(message)}\n\n`);
  }

  /** The answer; ends the exchange. Errors outside a stream get the HTTP status 2026-07-28 gives them. */
  finish(message: JsonRpcResponse): void {
    if (this.#done || !this.#response) return;
    this.#done = true;
    this.#stopKeepalive();
    const text = JSON.stringify(message);
    if (this.#mode === 'sse') {
      this.#response.end(`data: ${text}\n\n`);
      return;
    }
    const status = 'error' in message ? httpStatusOfError(message.error.code) : 200;
    this.#response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    this.#response.end(text);
  }

  /** Ends without an answer (the gateway is shutting down). */
  abort(): void {
    if (this.#done) return;
    this.#done = true;
    this.#stopKeepalive();
    this.#response?.destroy();
  }

  #stopKeepalive(): void {
    if (this.#streamSoon) clearTimeout(this.#streamSoon);
    if (this.#keepalive) clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }
}
