import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { InputRequest } from '../transport/client-session.js';
import { errorResponse, METHOD_NOT_FOUND, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse, type RequestId } from '../transport/jsonrpc.js';
import type { ModernExchange } from './modern-exchange.js';
import { INPUT_REQUEST_CAPABILITY } from './wire.js';

/** What the parked calls need from the downstream they serve. */
export interface ParkingHost {
  /** The live exchange of an internal request id, if its client is still waiting. */
  exchangeOf(internalId: RequestId): ModernExchange | undefined;
  /** Ends the exchange with an `input_required` answer; its state names the parked call. */
  answerInputRequired(internalId: RequestId, inputRequests: Record<string, InputRequest>, parkId: string, ttlMs: number): void;
  /** Puts a retry's exchange in the place of the one that was answered `input_required`. */
  reattach(internalId: RequestId, exchange: ModernExchange): void;
  /** A message to the upstream, through the pipeline (answers to its requests, cancellations). */
  toUpstream(message: JsonRpcMessage): void;
  deliver(internalId: RequestId, response: JsonRpcResponse): void;
  log: Logger;
}

export interface ParkingOptions {
  /** How long a parked call waits for its client's retry. Default 5 minutes. */
  timeoutMs?: number;
  /** Parked calls per downstream; the oldest is cancelled to make room. Default 100. */
  max?: number;
  /** Counts parked calls that timed out. */
  onExpired?: () => void;
}

interface Parked {
  id: string;
  internalId: RequestId;
  /** The upstream's requests the client has not answered yet, by the key it was asked under. */
  unanswered: Map<string, JsonRpcRequest>;
  /** The call's response when it came while the client was away. */
  result?: JsonRpcResponse;
  timer?: NodeJS.Timeout;
}

/** More of the server's requests for the same call usually follow within this long: they are asked in one round. */
const COALESCE_MS = 20;
const COALESCE_MAX_MS = 200;
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_MAX = 100;

/**
 * The 2026-client-to-2025-server bridge's hard part. A 2025 server asks its client questions in
 * the middle of a call (`elicitation/create`, `sampling/createMessage`, `roots/list`); a 2026
 * client can only be asked by answering its request `input_required` and taking the answers from
 * its retry. So the upstream call is parked (it stays open at the upstream), the client gets the
 * server's requests as `inputRequests` with a sealed state naming the parked call, and its retry
 * answers the upstream's requests and takes the call over. A parked call whose client does not
 * come back is cancelled at the upstream after `timeoutMs`, and counted.
 */
export class ParkedCalls {
  readonly #host: ParkingHost;
  readonly #timeoutMs: number;
  readonly #max: number;
  readonly #onExpired?: () => void;
  readonly #byId = new Map<string, Parked>();
  readonly #byCall = new Map<RequestId, Parked>();
  /** Requests being gathered into one round, per call. */
  readonly #gathering = new Map<RequestId, { requests: Map<string, JsonRpcRequest>; timer: NodeJS.Timeout; started: number }>();
  #keys = 0;

  constructor(host: ParkingHost, options: ParkingOptions = {}) {
    this.#host = host;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#max = options.max ?? DEFAULT_MAX;
    this.#onExpired = options.onExpired;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Whether the call is parked (its client was answered `input_required` and has not retried yet). */
  isParked(internalId: RequestId): boolean {
    return this.#byCall.has(internalId) && this.#host.exchangeOf(internalId) === undefined;
  }

  /** The upstream asked the client of call `internalId` something. */
  ask(internalId: RequestId, request: JsonRpcRequest): void {
    const capability = Object.hasOwn(INPUT_REQUEST_CAPABILITY, request.method) ? INPUT_REQUEST_CAPABILITY[request.method] : undefined;
    if (request.method === 'ping') {
      this.#host.toUpstream({ jsonrpc: '2.0', id: request.id, result: {} });
      return;
    }
    const exchange = this.#host.exchangeOf(internalId);
    const parked = this.#byCall.get(internalId);
    if (capability === undefined || (!exchange && !parked)) {
      this.#refuse(request, capability === undefined ? `a 2026-07-28 client cannot be sent ${request.method}` : `the call it belongs to is no longer waiting`);
      return;
    }
    const declared = (exchange ?? undefined)?.envelope.clientCapabilities;
    if (declared !== undefined && declared[capability] === undefined) {
      this.#refuse(request, `the client did not declare the ${capability} capability`);
      return;
    }
    const key = `${capability}-${++this.#keys}`;
    if (parked && !exchange) {
      parked.unanswered.set(key, request); // the client is away: its retry gets this one too
      return;
    }
    let round = this.#gathering.get(internalId);
    if (!round) {
      round = { requests: new Map(), timer: setTimeout(() => undefined, 0), started: Date.now() };
      this.#gathering.set(internalId, round);
    }
    round.requests.set(key, request);
    clearTimeout(round.timer);
    const wait = Math.max(0, Math.min(COALESCE_MS, round.started + COALESCE_MAX_MS - Date.now()));
    round.timer = setTimeout(() => this.#flush(internalId), wait);
  }

  /** The call's response arrived while its client was away: kept for the retry. True when it was kept. */
  keepResult(internalId: RequestId, response: JsonRpcResponse): boolean {
    const parked = this.#byCall.get(internalId);
    if (!parked || this.#host.exchangeOf(internalId)) return false;
    parked.result = response;
    return true;
  }

  /**
   * A retry for parked call `parkId`: answers the upstream's requests from `inputResponses`,
   * and the retry's exchange takes the call over. Requests still unanswered are asked again.
   * False when there is no such parked call (timed out, or already taken over).
   */
  resume(parkId: string, exchange: ModernExchange, inputResponses: unknown): boolean {
    const parked = this.#byId.get(parkId);
    if (!parked || this.#host.exchangeOf(parked.internalId)) return false;
    clearTimeout(parked.timer);
    const responses = inputResponses !== null && typeof inputResponses === 'object' && !Array.isArray(inputResponses) ? (inputResponses as Record<string, unknown>) : {};
    for (const [key, request] of parked.unanswered) {
      const answer = Object.hasOwn(responses, key) ? responses[key] : undefined;
      if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) continue;
      this.#host.toUpstream({ jsonrpc: '2.0', id: request.id, result: answer as Record<string, unknown> });
      parked.unanswered.delete(key);
    }
    this.#host.reattach(parked.internalId, exchange);
    if (parked.result) {
      this.#forget(parked);
      this.#host.deliver(parked.internalId, parked.result);
      return true;
    }
    if (parked.unanswered.size > 0) {
      this.#park(parked.internalId, parked, new Map(parked.unanswered));
      return true;
    }
    this.#forget(parked);
    return true;
  }

  /** The call ended (answered, cancelled): nothing of it stays parked. */
  settle(internalId: RequestId): void {
    const round = this.#gathering.get(internalId);
    if (round) clearTimeout(round.timer);
    this.#gathering.delete(internalId);
    const parked = this.#byCall.get(internalId);
    if (parked) this.#forget(parked);
  }

  close(): void {
    for (const round of this.#gathering.values()) clearTimeout(round.timer);
    this.#gathering.clear();
    for (const parked of [...this.#byId.values()]) this.#cancel(parked, 'the gateway is closing the session');
  }

  #flush(internalId: RequestId): void {
    const round = this.#gathering.get(internalId);
    this.#gathering.delete(internalId);
    if (!round) return;
    if (!this.#host.exchangeOf(internalId)) {
      for (const request of round.requests.values()) this.#refuse(request, 'the call it belongs to is no longer waiting');
      return;
    }
    const parked = this.#byCall.get(internalId) ?? { id: randomUUID(), internalId, unanswered: new Map<string, JsonRpcRequest>() };
    for (const [key, request] of round.requests) parked.unanswered.set(key, request);
    this.#park(internalId, parked, round.requests);
  }

  #park(internalId: RequestId, parked: Parked, asked: Map<string, JsonRpcRequest>): void {
    if (!this.#byId.has(parked.id)) {
      while (this.#byId.size >= this.#max) this.#cancel(this.#byId.values().next().value!, `more than ${this.#max} calls were parked`);
      this.#byId.set(parked.id, parked);
      this.#byCall.set(internalId, parked);
    }
    // A call asked again keeps its park id: each state naming it is accepted once, so an earlier one cannot come back.
    const inputRequests: Record<string, InputRequest> = {};
    for (const [key, request] of asked) inputRequests[key] = { method: request.method, params: request.params ?? {} };
    clearTimeout(parked.timer);
    parked.timer = setTimeout(() => {
      this.#host.log.warn({ call: internalId }, 'a parked call timed out waiting for its client to retry; cancelled at the upstream');
      this.#onExpired?.();
      this.#cancel(parked, 'its 2026 client did not come back with the answers in time');
    }, this.#timeoutMs);
    parked.timer.unref();
    this.#host.answerInputRequired(internalId, inputRequests, parked.id, this.#timeoutMs);
  }

  #cancel(parked: Parked, reason: string): void {
    this.#forget(parked);
    this.#host.toUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: parked.internalId, reason } });
  }

  #forget(parked: Parked): void {
    clearTimeout(parked.timer);
    this.#byId.delete(parked.id);
    this.#byCall.delete(parked.internalId);
  }

  #refuse(request: JsonRpcRequest, why: string): void {
    this.#host.toUpstream(errorResponse(request.id, METHOD_NOT_FOUND, `toolgate: ${request.method} cannot be answered: ${why}`));
  }
}
