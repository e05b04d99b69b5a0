import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ToolgateError } from '../errors.js';
import { isRequest, isResponse, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse, type RequestId } from '../transport/jsonrpc.js';
import type { Upstream } from '../transport/upstream.js';

/**
 * `sessions: shared`: one upstream process serves every client session. Trade-offs (documented
 * in the README): the upstream is initialized once, with the first client's capabilities and
 * answer; `logging/setLevel` and resource subscriptions are the process's, so they affect every
 * session; notifications not tied to a request go to every session; a server-to-client request
 * (sampling, elicitation, roots) goes to the session with the newest call in flight.
 * Request ids and progress tokens are rewritten so sessions never collide. A server request
 * gets an unguessable id per session, and its answer is taken only from the session it was
 * sent to: another session cannot answer it.
 */
export class SharedUpstreamHub {
  #upstream?: Upstream;
  #initialize?: Promise<JsonRpcResponse>;
  #resolveInitialize?: (response: JsonRpcResponse) => void;
  readonly #members = new Set<SharedSessionUpstream>();
  /** Hub request id -> the member and its own id. */
  readonly #requests = new Map<string, { member: SharedSessionUpstream; id: RequestId }>();
  /** Hub progress token -> the member and its own token. */
  readonly #tokens = new Map<string, { member: SharedSessionUpstream; token: string | number; requestId: RequestId }>();
  /** Server-to-client request id as the session saw it -> the session it went to and the upstream's id. */
  readonly #serverRequests = new Map<string, { member: SharedSessionUpstream; upstreamId: RequestId }>();
  readonly #serverRequestPrefix = `server-${randomBytes(9).toString('base64url')}-`;
  #serverRequestCount = 0;
  #memberCount = 0;
  #requestCount = 0;
  #initializedSent = false;

  constructor(
    readonly label: string,
    private readonly connect: () => Upstream,
    private readonly log: Logger,
  ) {}

  join(): SharedSessionUpstream {
    const member = new SharedSessionUpstream(this, ++this.#memberCount);
    this.#members.add(member);
    return member;
  }

  /** A member's message to the upstream. */
  forward(member: SharedSessionUpstream, message: JsonRpcMessage, raw: string | undefined): void {
    if (isRequest(message) && message.method === 'initialize') {
      this.#initializeFor(member, message);
      return;
    }
    if ('method' in message && message.method === 'notifications/initialized' && this.#initializedSent) return;
    if ('method' in message && message.method === 'notifications/initialized') this.#initializedSent = true;
    const upstream = this.#ensure();
    if (isRequest(message)) {
      const hubId = `${member.index}:${++this.#requestCount}`;
      this.#requests.set(hubId, { member, id: message.id });
      member.inFlight.add(message.id);
      const params = { ...message.params };
      const meta = params._meta as { progressToken?: string | number } | undefined;
      if (meta?.progressToken !== undefined) {
        const hubToken = `${member.index}:${String(meta.progressToken)}`;
        this.#tokens.set(hubToken, { member, token: meta.progressToken, requestId: message.id });
        params._meta = { ...meta, progressToken: hubToken };
      }
      upstream.send({ ...message, id: hubId, params });
      return;
    }
    if (isResponse(message)) {
      this.#answerServerRequest(member, message);
      return;
    }
    if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId as RequestId | undefined;
      const hubId = [...this.#requests].find(([, entry]) => entry.member === member && entry.id === requestId)?.[0];
      if (hubId === undefined) return;
      upstream.send({ ...message, params: { ...message.params, requestId: hubId } });
      return;
    }
    upstream.send(message, raw);
  }

  leave(member: SharedSessionUpstream): void {
    this.#members.delete(member);
    for (const [hubId, entry] of this.#requests) if (entry.member === member) this.#requests.delete(hubId);
    for (const [token, entry] of this.#tokens) if (entry.member === member) this.#tokens.delete(token);
    for (const [id, entry] of this.#serverRequests) if (entry.member === member) this.#serverRequests.delete(id);
    if (this.#members.size === 0) void this.#reset()?.close();
  }

  /** A session's answer to a server request: passed on only if that request went to this session. */
  #answerServerRequest(member: SharedSessionUpstream, response: JsonRpcResponse): void {
    const entry = typeof response.id === 'string' ? this.#serverRequests.get(response.id) : undefined;
    if (!entry || entry.member !== member) {
      this.log.warn({ id: response.id, session: member.index }, `a session answered a server request of ${this.label} that was not sent to it; dropped`);
      return;
    }
    this.#serverRequests.delete(response.id as string);
    this.#ensure().send({ ...response, id: entry.upstreamId });
  }

  #initializeFor(member: SharedSessionUpstream, request: JsonRpcRequest): void {
    if (!this.#initialize) {
      this.#initialize = new Promise((resolve) => (this.#resolveInitialize = resolve));
      this.#ensure().send({ ...request, id: 'shared:initialize' });
    }
    void this.#initialize.then((response) => member.deliver({ ...response, id: request.id }, undefined, request.id));
  }

  #ensure(): Upstream {
    if (this.#upstream) return this.#upstream;
    const upstream = this.connect();
    upstream.onmessage = (message, raw, related) => this.#fromUpstream(message, raw, related);
    upstream.onclose = (error) => this.#ended(error);
    this.#upstream = upstream;
    return upstream;
  }

  #fromUpstream(message: JsonRpcMessage, raw: string | undefined, _related: RequestId | undefined): void {
    if (isResponse(message)) {
      if (message.id === 'shared:initialize') {
        if ('error' in message) this.#initialize = undefined;
        this.#resolveInitialize?.(message);
        return;
      }
      const entry = typeof message.id === 'string' ? this.#requests.get(message.id) : undefined;
      if (!entry) return;
      this.#requests.delete(message.id as string);
      entry.member.inFlight.delete(entry.id);
      for (const [token, owner] of this.#tokens) if (owner.member === entry.member && owner.requestId === entry.id) this.#tokens.delete(token);
      entry.member.deliver({ ...message, id: entry.id }, undefined, entry.id);
      return;
    }
    const params = (message as { params?: Record<string, unknown> }).params;
    if ('method' in message && message.method === 'notifications/progress' && params) {
      const owner = this.#tokens.get(String(params.progressToken));
      if (owner) owner.member.deliver({ ...message, params: { ...params, progressToken: owner.token } } as JsonRpcMessage, undefined, owner.requestId);
      return;
    }
    if (isRequest(message)) {
      const target = this.#newestCaller();
      if (target) {
        const id = `${this.#serverRequestPrefix}${++this.#serverRequestCount}`;
        this.#serverRequests.set(id, { member: target, upstreamId: message.id });
        target.deliver({ ...message, id }, undefined, [...target.inFlight].at(-1));
      } else this.log.warn({ method: message.method }, `${this.label} sent a request while no session has a call in flight; dropped`);
      return;
    }
    for (const member of this.#members) member.deliver(message, raw, undefined);
  }

  #newestCaller(): SharedSessionUpstream | undefined {
    let newest: SharedSessionUpstream | undefined;
    for (const entry of this.#requests.values()) newest = entry.member;
    return newest;
  }

  #ended(error: ToolgateError): void {
    this.#reset();
    for (const member of [...this.#members]) member.onclose?.(error);
    this.#members.clear();
  }

  #reset(): Upstream | undefined {
    const upstream = this.#upstream;
    this.#upstream = undefined;
    this.#initialize = undefined;
    this.#initializedSent = false;
    this.#requests.clear();
    this.#tokens.clear();
    this.#serverRequests.clear();
    return upstream;
  }
}

/** One client session's view of a shared upstream. */
export class SharedSessionUpstream implements Upstream {
  readonly tiesMessagesToRequests = true;
  readonly inFlight = new Set<RequestId>();
  onmessage?: Upstream['onmessage'];
  onclose?: Upstream['onclose'];
  #closed = false;

  constructor(
    private readonly hub: SharedUpstreamHub,
    readonly index: number,
  ) {}

  get label(): string {
    return this.hub.label;
  }

  send(message: JsonRpcMessage, raw?: string): void {
    this.hub.forward(this, message, raw);
  }

  deliver(message: JsonRpcMessage, raw: string | undefined, related: RequestId | undefined): void {
    if (!this.#closed) this.onmessage?.(message, raw, related);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.hub.leave(this);
  }
}
