import { discard, readEvents, readText, send } from '../transport/http-client.js';
import { isResponse, type JsonRpcMessage, type RequestId } from '../transport/jsonrpc.js';
import { encodeHeaderValue } from './header-values.js';
import { META_PROTOCOL_VERSION, MODERN_PROTOCOL_VERSION, NAME_HEADER_SOURCE } from './wire.js';

export interface ModernPostOptions {
  url: URL;
  /** toolgate's own headers for this upstream (`servers.<id>.headers`) and any `Mcp-Param-*`. */
  headers: Record<string, string>;
  message: JsonRpcMessage & { method: string };
  signal?: AbortSignal;
  /** The largest JSON body or SSE event held (`limits.max_line_bytes`); more ends the exchange with an error. */
  maxMessageBytes: number;
  /** Each message the upstream sends back: notifications first, the response last. */
  onMessage(message: JsonRpcMessage, raw: string): void;
}

/** An HTTP failure without a JSON-RPC answer in it. */
export class ModernPostError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}`);
  }
}

/** The standard 2026 request headers for a message: its revision, method, and the name it acts on. */
export function standardHeaders(message: { method: string; params?: Record<string, unknown> }): Record<string, string> {
  const params = message.params ?? {};
  const version = (params._meta as Record<string, unknown> | undefined)?.[META_PROTOCOL_VERSION];
  const headers: Record<string, string> = {
    'mcp-protocol-version': typeof version === 'string' ? version : MODERN_PROTOCOL_VERSION,
    'mcp-method': message.method,
  };
  const source = Object.hasOwn(NAME_HEADER_SOURCE, message.method) ? NAME_HEADER_SOURCE[message.method] : undefined;
  const name = source === undefined ? undefined : params[source];
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name);
  return headers;
}

/**
 * Sends one message to a 2026-07-28 server as its own POST and reads the answer, JSON or an SSE
 * stream, until the response to it (or the end of the stream). Resolves when the exchange is
 * over; rejects with `ModernPostError` for an HTTP failure that carries no JSON-RPC error.
 */
export async function postModern(options: ModernPostOptions): Promise<void> {
  const { message } = options;
  const headers = { ...options.headers, ...standardHeaders(message), 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const response = await send(options.url, { method: 'POST', headers, body: JSON.stringify(message), signal: options.signal });
  const status = response.statusCode ?? 0;
  const contentType = response.headers['content-type'] ?? '';
  const id: RequestId | undefined = 'id' in message && (typeof message.id === 'string' || typeof message.id === 'number') ? message.id : undefined;
  if (status === 202) {
    discard(response);
    return;
  }
  if (contentType.includes('text/event-stream') && status >= 200 && status < 300) {
    await readEvents(response, (event) => {
      if ((event.event ?? 'message') !== 'message' || event.data === '') return;
      options.onMessage(JSON.parse(event.data) as JsonRpcMessage, event.data);
    }, options.maxMessageBytes);
    return;
  }
  const text = await readText(response, options.maxMessageBytes);
  if (contentType.includes('application/json') && text.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ModernPostError(status, text);
    }
    const body = parsed as JsonRpcMessage;
    if (body && typeof body === 'object' && isResponse(body)) {
      // An error before the server knew the id (a header check) is still this request's answer.
      options.onMessage(body.id === null && id !== undefined ? { ...body, id } : body, text);
      return;
    }
  }
  if (status < 200 || status >= 300) throw new ModernPostError(status, text);
}
