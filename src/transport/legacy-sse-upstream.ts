import type { Logger } from 'pino';
import { ToolgateError } from '../errors.js';
import { errorResponse, isRequest, UPSTREAM_ERROR, type JsonRpcMessage } from './jsonrpc.js';
import { discard, readEvents, readText, send } from './http-client.js';

const ENDPOINT_TIMEOUT_MS = 10_000;

/**
 * The deprecated HTTP+SSE transport (MCP 2024-11-05): one long GET event stream carries every
 * server message; the first event, `endpoint`, names the URL to POST client messages to. Used
 * when an upstream URL refuses a Streamable HTTP POST. Messages are not tied to requests.
 */
export class LegacySseConnection {
  #endpoint?: URL;
  #closed = false;
  readonly #aborter = new AbortController();

  constructor(
    private readonly options: {
      label: string;
      url: string;
      headers: Record<string, string>;
      log: Logger;
      /** The largest event or body taken from the upstream (limits.max_line_bytes). */
      maxMessageBytes: number;
      onmessage: (message: JsonRpcMessage, raw: string | undefined) => void;
      onclose: (error: ToolgateError) => void;
    },
  ) {}

  /** Opens the event stream and waits for the `endpoint` event. */
  async open(): Promise<void> {
    const response = await send(new URL(this.options.url), {
      method: 'GET',
      headers: { ...this.options.headers, accept: 'text/event-stream' },
      signal: this.#aborter.signal,
    });
    if (response.statusCode !== 200 || !(response.headers['content-type'] ?? '').includes('text/event-stream')) {
      discard(response);
      throw new ToolgateError('upstream_unavailable', `${this.options.label} is neither a Streamable HTTP nor an HTTP+SSE MCP endpoint (GET answered HTTP ${response.statusCode})`);
    }
    let announce: (() => void) | undefined;
    const announced = new Promise<void>((resolve, reject) => {
      announce = resolve;
      setTimeout(() => reject(new ToolgateError('upstream_unavailable', `${this.options.label} opened an SSE stream but sent no endpoint event`)), ENDPOINT_TIMEOUT_MS).unref();
    });
    void readEvents(response, (event) => {
      if (event.event === 'endpoint') {
        this.#endpoint = new URL(event.data, this.options.url);
        announce?.();
        return;
      }
      if ((event.event ?? 'message') === 'message' && event.data) this.options.onmessage(JSON.parse(event.data) as JsonRpcMessage, event.data);
    }, this.options.maxMessageBytes).then(
      () => this.#ended('closed its event stream'),
      (error: Error) => this.#ended(`event stream failed: ${error.message}`),
    );
    await announced;
  }

  async send(message: JsonRpcMessage, body: string): Promise<void> {
    const response = await send(this.#endpoint!, {
      method: 'POST',
      headers: { ...this.options.headers, 'content-type': 'application/json' },
      body,
      signal: this.#aborter.signal,
    });
    const text = await readText(response, this.options.maxMessageBytes);
    const status = response.statusCode ?? 0;
    if ((status < 200 || status >= 300) && isRequest(message)) {
      this.options.onmessage(errorResponse(message.id, UPSTREAM_ERROR, `${this.options.label} answered HTTP ${status}: ${text.slice(0, 300)}`), undefined);
    }
  }

  close(): void {
    this.#closed = true;
    this.#aborter.abort();
  }

  #ended(how: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.options.onclose(new ToolgateError('upstream_closed', `${this.options.label} ${how}`));
  }
}
