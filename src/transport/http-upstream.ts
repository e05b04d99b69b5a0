import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { ToolgateError } from '../errors.js';
import {
  errorResponse,
  isRequest,
  isResponse,
  UPSTREAM_ERROR,
  type JsonRpcMessage,
  type RequestId,
} from './jsonrpc.js';
import { LegacySseConnection } from './legacy-sse-upstream.js';
import { discard, MessageTooLarge, readEvents, readText, send } from './http-client.js';
import type { Upstream } from './upstream.js';

export interface HttpUpstreamOptions {
  serverId: string;
  url: string;
  headers: Record<string, string>;
  log: Logger;
  /** The largest message (a body, an SSE event) taken from the upstream; a larger one ends it (limits.max_line_bytes). */
  maxMessageBytes: number;
}

const RESUME_ATTEMPTS = 3;
const LEGACY_FALLBACK_STATUSES = new Set([400, 404, 405]);
const RESUME_DELAY_MS = 250;

/**
 * A Streamable HTTP upstream (MCP 2025-03-26 and later). Every message the upstream sends on a
 * request's response stream is handed on with that request's id, so server-to-client requests
 * (sampling, elicitation, roots) and progress reach the client stream they belong to.
 */
export class HttpUpstream implements Upstream {
  readonly label: string;
  onmessage?: Upstream['onmessage'];
  onclose?: Upstream['onclose'];
  onresponsestream?: Upstream['onresponsestream'];

  #legacy?: LegacySseConnection;
  #sessionId?: string;
  #protocolVersion?: string;
  #closed = false;
  readonly #aborter = new AbortController();
  readonly #url: URL;
  readonly #log: Logger;

  constructor(private readonly options: HttpUpstreamOptions) {
    this.label = `upstream "${options.serverId}" (${options.url})`;
    this.#url = new URL(options.url);
    this.#log = options.log;
  }

  get tiesMessagesToRequests(): boolean {
    return this.#legacy === undefined;
  }

  send(message: JsonRpcMessage, raw?: string): void {
    if (this.#closed) {
      this.#answer(message, `${this.label} is closed`);
      return;
    }
    void this.#post(message, raw ?? JSON.stringify(message)).catch((error: unknown) => {
      if (error instanceof MessageTooLarge) {
        this.#answer(message, this.#tooLarge(error));
        return;
      }
      const reason = error instanceof Error ? describeRequestError(error) : String(error);
      this.#answer(message, `${this.label} is unreachable: ${reason}`);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#aborter.abort();
    this.#legacy?.close();
    if (this.#sessionId === undefined) return;
    try {
      discard(await send(this.#url, { method: 'DELETE', headers: this.#headers(), timeoutMs: 2000 }));
    } catch (error) {
      this.#log.debug({ err: error }, 'upstream session DELETE failed');
    }
  }

  async #post(message: JsonRpcMessage, body: string): Promise<void> {
    if (this.#legacy) return this.#legacy.send(message, body);
    const headers = this.#headers();
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json, text/event-stream';
    const response = await send(this.#url, { method: 'POST', headers, body, signal: this.#aborter.signal });
    const status = response.statusCode ?? 0;
    const relatedId = isRequest(message) ? message.id : undefined;

    const sessionId = response.headers['mcp-session-id'];
    if (typeof sessionId === 'string' && this.#sessionId === undefined) this.#sessionId = sessionId;

    if (status === 202) {
      discard(response);
      return;
    }
    if (LEGACY_FALLBACK_STATUSES.has(status) && 'method' in message && message.method === 'initialize') {
      discard(response);
      await this.#fallBackToLegacySse(message, body);
      return;
    }
    if (status === 404 && this.#sessionId !== undefined) {
      discard(response);
      this.#expire(`${this.label} no longer knows session ${this.#sessionId} (HTTP 404); start a new session`);
      this.#answer(message, `${this.label} ended the session; start a new session`);
      return;
    }
    const contentType = response.headers['content-type'] ?? '';
    if (status < 200 || status >= 300) {
      this.#deliverFailure(message, status, await readText(response, this.options.maxMessageBytes), contentType);
      return;
    }
    if (contentType.includes('text/event-stream')) {
      if (relatedId !== undefined) this.onresponsestream?.(relatedId);
      await this.#consumeStream(response, relatedId, message);
      return;
    }
    const text = await readText(response, this.options.maxMessageBytes);
    if (text.trim() === '') return;
    this.#deliverJsonBody(text, relatedId);
  }

  /** MCP's backwards-compatibility rule: a 4xx to the initialize POST means "try HTTP+SSE". */
  async #fallBackToLegacySse(initialize: JsonRpcMessage, body: string): Promise<void> {
    const legacy = new LegacySseConnection({
      label: this.label,
      url: this.options.url,
      headers: this.options.headers,
      maxMessageBytes: this.options.maxMessageBytes,
      log: this.#log,
      onmessage: (message, raw) => this.#deliver(message, raw, undefined),
      onclose: (error) => this.#expire(error.message),
    });
    await legacy.open();
    this.#legacy = legacy;
    this.#log.info('upstream speaks the legacy HTTP+SSE transport');
    await legacy.send(initialize, body);
  }

  #deliverJsonBody(text: string, relatedId: RequestId | undefined): void {
    const parsed = JSON.parse(text) as JsonRpcMessage | JsonRpcMessage[];
    if (Array.isArray(parsed)) {
      for (const message of parsed) this.#deliver(message, undefined, relatedId);
    } else {
      this.#deliver(parsed, text, relatedId);
    }
  }

  #deliver(message: JsonRpcMessage, raw: string | undefined, relatedId: RequestId | undefined): void {
    if (isResponse(message) && 'result' in message && typeof message.result?.protocolVersion === 'string' && this.#protocolVersion === undefined) {
      this.#protocolVersion = message.result.protocolVersion;
      // The upstream may send server requests (elicitation, sampling) on its GET stream as soon
      // as the client calls a tool: open that stream before the client learns it is initialized.
      void this.#startStandaloneStream().then(() => this.onmessage?.(message, raw, relatedId));
      return;
    }
    this.onmessage?.(message, raw, relatedId);
  }

  /**
   * Reads a response stream; if it drops before the request is answered and the upstream gave
   * event ids, resumes it with `Last-Event-ID` (the upstream's own resumability).
   */
  async #consumeStream(body: IncomingMessage, relatedId: RequestId | undefined, request: JsonRpcMessage): Promise<void> {
    let lastEventId: string | undefined;
    let answered = false;
    const onEvent = (event: { id?: string; event?: string; data: string }) => {
      if (event.id) lastEventId = event.id;
      if ((event.event ?? 'message') !== 'message' || event.data === '') return;
      const message = JSON.parse(event.data) as JsonRpcMessage;
      if (relatedId !== undefined && isResponse(message) && message.id === relatedId) answered = true;
      this.#deliver(message, event.data, relatedId);
    };
    try {
      await readEvents(body, onEvent, this.options.maxMessageBytes);
    } catch (error) {
      if (this.#closed) return;
      if (error instanceof MessageTooLarge) throw error;
      this.#log.debug({ err: error }, 'upstream response stream broke');
    }
    for (let attempt = 0; !answered && relatedId !== undefined && !this.#closed && attempt < RESUME_ATTEMPTS; attempt++) {
      if (lastEventId === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, RESUME_DELAY_MS * (attempt + 1)));
      const resumed = await this.#get(lastEventId).catch(() => undefined);
      if (!resumed) continue;
      if (resumed.statusCode !== 200) {
        discard(resumed);
        continue;
      }
      await readEvents(resumed, onEvent, this.options.maxMessageBytes).catch((error: unknown) => {
        if (error instanceof MessageTooLarge) throw error;
      });
    }
    if (!answered && relatedId !== undefined && !this.#closed) {
      this.#answer(request, `${this.label} closed the response stream before answering`);
    }
  }

  /**
   * The GET stream carries server messages unrelated to any request (list_changed, logging, and
   * some servers' sampling or elicitation). Resolves once the upstream has answered the GET.
   */
  #startStandaloneStream(): Promise<void> {
    if (this.#sessionId === undefined || this.#legacy) return Promise.resolve();
    return new Promise((opened) => {
      void (async () => {
        let lastEventId: string | undefined;
        for (let attempt = 0; !this.#closed && attempt <= RESUME_ATTEMPTS; attempt++) {
          const response = await this.#get(lastEventId).catch(() => undefined);
          opened();
          if (!response) continue;
          if (response.statusCode !== 200) {
            discard(response);
            return; // the upstream offers no standalone stream (405); that is allowed
          }
          attempt = 0;
          await readEvents(
            response,
            (event) => {
              if (event.id) lastEventId = event.id;
              if ((event.event ?? 'message') !== 'message' || event.data === '') return;
              this.#deliver(JSON.parse(event.data) as JsonRpcMessage, event.data, undefined);
            },
            this.options.maxMessageBytes,
          ).catch((error: unknown) => {
            if (error instanceof MessageTooLarge) this.#tooLarge(error);
          });
          if (!this.#closed) await new Promise((resolve) => setTimeout(resolve, RESUME_DELAY_MS));
        }
        opened();
      })();
    });
  }

  #get(lastEventId: string | undefined): Promise<IncomingMessage> {
    const headers = this.#headers();
    headers.accept = 'text/event-stream';
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    return send(this.#url, { method: 'GET', headers, signal: this.#aborter.signal });
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.headers };
    if (this.#sessionId !== undefined) headers['mcp-session-id'] = this.#sessionId;
    if (this.#protocolVersion !== undefined) headers['mcp-protocol-version'] = this.#protocolVersion;
    return headers;
  }

  #deliverFailure(message: JsonRpcMessage, status: number, text: string, contentType: string): void {
    if (!isRequest(message)) {
      this.#log.warn({ status, body: text.slice(0, 300) }, `${this.label} refused a ${'method' in message ? message.method : 'response'} message`);
      return;
    }
    if (contentType.includes('application/json')) {
      try {
        const body = JSON.parse(text) as Partial<JsonRpcMessage>;
        if (body && typeof body === 'object' && 'error' in body && body.error) {
          this.onmessage?.({ jsonrpc: '2.0', id: message.id, error: body.error }, undefined, message.id);
          return;
        }
      } catch {
        // not JSON after all: fall through to the generic message
      }
    }
    this.#answer(message, `${this.label} answered HTTP ${status}${text ? `: ${text.slice(0, 300)}` : ''}`);
  }

  #answer(message: JsonRpcMessage, reason: string): void {
    if (isRequest(message)) this.onmessage?.(errorResponse(message.id, UPSTREAM_ERROR, reason), undefined, message.id);
    else this.#log.warn({ reason }, 'could not deliver a message upstream');
  }

  #expire(reason: string, code: 'upstream_closed' | 'limit_reached' = 'upstream_closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#aborter.abort();
    this.onclose?.(new ToolgateError(code, reason));
  }

  /** The upstream sent a message over the limit: the connection is ended (its session with it). */
  #tooLarge(error: MessageTooLarge): string {
    const reason = `${this.label} sent a message of more than ${error.maxBytes} bytes (limits.max_line_bytes), so toolgate ended the connection rather than hold it; raise limits.max_line_bytes in the gateway's config if this server's messages are that large`;
    this.#expire(reason, 'limit_reached');
    return reason;
  }
}

function describeRequestError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code} (${error.message})` : error.message;
}
