import type { ServerResponse } from 'node:http';

/** Where every SSE event of a session is kept for a while, so a client can resume a dropped stream. */
export interface EventRecorder {
  record(streamId: string, seq: number, data: string): void;
}

const KEEPALIVE_MS = 15_000;
/** The SSE `retry` a primed stream gives its client: how long to wait before resuming a dropped stream. */
const RECONNECT_AFTER_MS = 1000;

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
} as const;

/**
 * The answer to one POSTed request (or the GET stream). It waits for the first message: when that
 * is the final response it is sent as plain `application/json`; anything earlier (progress,
 * sampling, logging) switches it to an SSE stream, whose events carry ids for resumption.
 */
export class ResponseStream {
  readonly streamId: string;
  #response?: ServerResponse;
  #mode: 'waiting' | 'json' | 'sse' = 'waiting';
  #seq = 0;
  #finished = false;
  #keepalive?: NodeJS.Timeout;

  constructor(
    streamId: string,
    response: ServerResponse,
    private readonly options: {
      headers: Record<string, string>;
      allowJson: boolean;
      prime: boolean;
      recorder: EventRecorder;
      /** The client's connection closed while the stream was still waiting for its response. */
      onClientGone?: () => void;
    },
  ) {
    this.streamId = streamId;
    this.#attach(response);
    if (!options.allowJson) this.#startSse();
  }

  get finished(): boolean {
    return this.#finished;
  }

  get attached(): boolean {
    return this.#response !== undefined;
  }

  /** The id number of the last event sent on this stream (0: none, or only the priming event). */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Sends one message; `final` ends the stream (the request's response). */
  send(data: string, final: boolean): void {
    if (this.#finished) return;
    if (this.#mode === 'waiting' && final && this.options.allowJson && this.#response) {
      this.#mode = 'json';
      this.#finished = true;
      this.#response.writeHead(200, { ...this.options.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
      this.#response.end(data);
      this.#detach();
      return;
    }
    if (this.#mode === 'waiting') this.#startSse();
    const seq = ++this.#seq;
    this.options.recorder.record(this.streamId, seq, data);
    this.#response?.write(formatEvent(`${this.streamId}/${seq}`, data));
    if (final) this.end();
  }

  /** Switches to an event stream now, without waiting for the first message. */
  stream(): void {
    if (this.#mode === 'waiting' && !this.#finished) this.#startSse();
  }

  /**
   * A resumed client (GET with Last-Event-ID) takes over the stream; the caller has already
   * written the SSE headers and replayed what the client missed.
   */
  reattach(response: ServerResponse): void {
    this.#response?.end();
    this.#mode = 'sse';
    this.#attach(response);
    this.#startKeepalive();
  }

  /** Ends the stream; a request that never got its response (cancelled) ends as an empty SSE stream. */
  end(): void {
    if (this.#finished && !this.#response) return;
    this.#finished = true;
    if (this.#response && !this.#response.headersSent) this.#response.writeHead(200, { ...this.options.headers, ...SSE_HEADERS });
    this.#response?.end();
    this.#detach();
  }

  #startSse(): void {
    this.#mode = 'sse';
    const response = this.#response;
    if (!response) return;
    response.writeHead(200, { ...this.options.headers, ...SSE_HEADERS });
    response.flushHeaders();
    // A priming event with an id and no data lets a 2025-11-25 client resume if the stream drops;
    // `retry` says how soon to come back (the replay buffer keeps what it missed meanwhile).
    if (this.options.prime) response.write(`id: ${this.streamId}/0\nretry: ${RECONNECT_AFTER_MS}\ndata: \n\n`);
    this.#startKeepalive();
  }

  #startKeepalive(): void {
    if (this.#keepalive) clearInterval(this.#keepalive);
    this.#keepalive = setInterval(() => this.#response?.write(': keep-alive\n\n'), KEEPALIVE_MS);
    this.#keepalive.unref();
  }

  #attach(response: ServerResponse): void {
    this.#response = response;
    response.once('close', () => {
      if (this.#response !== response) return;
      this.#detach();
      if (!this.#finished) this.options.onClientGone?.();
    });
  }

  #detach(): void {
    this.#response = undefined;
    if (this.#keepalive) clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }
}

export function formatEvent(id: string, data: string): string {
  if (!data.includes('\n')) return `id: ${id}\ndata: ${data}\n\n`;
  return `id: ${id}\n${data.replace(/\r/g, '').split('\n').map((line) => `data: ${line}`).join('\n')}\n\n`;
}
