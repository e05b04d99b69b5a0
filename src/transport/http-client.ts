import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * The HTTP client of upstream connections: node:http with keep-alive agents shared by every
 * session to the same origin. (The global fetch costs about three times the CPU per call here.)
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
      signal: options.signal,
      timeout: options.timeoutMs,
    });
    request.once('response', resolve);
    request.once('error', reject);
    request.once('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.end(options.body);
  });
}

/** An upstream sent one message (a body, an SSE event) larger than the gateway holds. */
export class MessageTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`a message from the upstream is larger than ${maxBytes} bytes (limits.max_line_bytes)`);
    this.name = 'MessageTooLarge';
  }
}

/** The whole body as text; more than `maxBytes` rejects with MessageTooLarge and drops the connection. */
export async function readText(response: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      response.destroy();
      throw new MessageTooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
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
