import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * The HTTP client of upstream connections: node:http with keep-alive agents shared by every
 * session to the same origin. (The global fetch costs about three times the CPU per call here.
 * undici's Pool was tried too (issue 12): no gateway CPU per call saving that showed above the
 * noise, about 10 MiB more peak RSS, and an extra connection for back-to-back requests.)
 */
const agents = new Map<string, HttpAgent>();

function agentFor(url: URL): HttpAgent {
  let agent = agents.get(url.origin);
  if (!agent) {
    agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    agents.set(url.origin, agent);
  }
  return agent;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'DELETE';
  headers: OutgoingHttpHeaders;
  body?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Sends a request; resolves with the response as soon as its head arrives. */
export function send(url: URL, options: RequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: options.method,
      headers: options.body === undefined ? options.headers : { ...options.headers, 'content-length': Buffer.byteLength(options.body) },
      agent: agentFor(url),
      timeout: options.timeoutMs,
    });
    request.once('response', resolve);
    request.once('error', reject);
    if (options.timeoutMs !== undefined) request.once('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    if (options.signal) abortWith(request, options.signal);
    request.end(options.body);
  });
}

/**
 * Ends the request (and its response) when `signal` aborts. What http.request's own `signal`
 * option does, without the stream bookkeeping it adds to every request.
 */
function abortWith(request: ClientRequest, signal: AbortSignal): void {
  const abort = () => request.destroy(Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }));
  if (signal.aborted) {
    abort();
    return;
  }
  signal.addEventListener('abort', abort, { once: true });
  request.once('close', () => signal.removeEventListener('abort', abort));
}

/** An upstream sent one message (a body, an SSE event) larger than the gateway holds. */
export class MessageTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`a message from the upstream is larger than ${maxBytes} bytes (limits.max_line_bytes)`);
    this.name = 'MessageTooLarge';
  }
}

/** The whole body as text; more than `maxBytes` rejects with MessageTooLarge and drops the connection. */
export function readText(response: IncomingMessage, maxBytes: number): Promise<string> {
  return readCapped(response, maxBytes, () => new MessageTooLarge(maxBytes));
}

/**
 * A whole stream as UTF-8 text, at most `maxBytes`: past that the stream is destroyed and the
 * promise rejects with `tooLarge()`. Listeners, not `for await`: an async iterator per message
 * costs more than the rest of reading it.
 */
export function readCapped(stream: Readable, maxBytes: number, tooLarge: () => Error): Promise<string> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        fail(tooLarge());
        stream.destroy();
        return;
      }
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    });
    stream.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(more ? Buffer.concat(more).toString('utf8') : (first?.toString('utf8') ?? ''));
    });
    stream.once('error', fail);
    stream.once('close', () => {
      if (!settled) fail(new Error('the connection closed before the whole body arrived')); // an Error costs its stack: only when needed
    });
  });
}

/** Discards the body so the connection can be reused. */
export function discard(response: IncomingMessage): void {
  response.resume();
}

/**
 * Reads a `text/event-stream` body, calling `onEvent` for each event until the stream ends. An
 * event (or unfinished line) over `maxBytes` characters rejects with MessageTooLarge.
 */
export function readEvents(response: IncomingMessage, onEvent: (event: EventSourceMessage) => void, maxBytes: number): Promise<void> {
  let failed = false;
  let tooLarge: ((error: MessageTooLarge) => void) | undefined;
  const fail = () => {
    failed = true;
    tooLarge?.(new MessageTooLarge(maxBytes)); // first: destroying the response rejects too ('aborted')
    response.destroy();
  };
  // The parser bounds what it buffers between chunks; an event that arrives whole is checked here.
  const parser = createParser({
    onEvent: (event) => {
      if (failed) return;
      if (event.data.length > maxBytes) fail();
      else onEvent(event);
    },
    maxBufferSize: maxBytes,
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') fail();
    },
  });
  response.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    tooLarge = reject;
    response.on('data', (chunk: string) => {
      if (!failed) parser.feed(chunk);
    });
    response.once('end', resolve);
    response.once('error', reject);
    response.once('aborted', () => reject(new Error('the event stream was cut')));
    response.once('close', resolve);
  });
}
