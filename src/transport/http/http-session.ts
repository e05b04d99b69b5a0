import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ToolgateError } from '../../errors.js';
import type { ClientSession, Downstream } from '../client-session.js';
import { isResponse, type JsonRpcMessage, type RequestId } from '../jsonrpc.js';
import { formatEvent, ResponseStream, SSE_HEADERS, type EventRecorder } from './response-stream.js';

const REPLAY_EVENTS = 1000;
const QUEUED_STANDALONE_MESSAGES = 1000;
/** Protocol revisions whose clients understand priming events (an id with empty data). */
const PRIMING_SINCE = '2025-11-25';

interface RecordedEvent {
  streamId: string;
  seq: number;
  data: string;
  bytes: number;
}

/**
 * One client session of the Streamable HTTP transport: which response stream each message goes
 * to, the standalone GET stream, and a bounded log of sent events for resumption.
 */
export class HttpSession implements Downstream, EventRecorder {
  readonly id: string;
  readonly serverId: string;
  /** The agent that opened the session (its `Agent.key`): only it may use the session. */
  readonly agentKey: string;
  readonly handler: ClientSession;
  /** When a message last went either way (the clock is the edge's). */
  lastActivity: number;
  protocolVersion?: string;

  readonly #requestStreams = new Map<RequestId, ResponseStream>();
  /** Sent events, oldest first, for resumption: at most REPLAY_EVENTS of them and `replayBufferBytes` in all. */
  #replay: RecordedEvent[] = [];
  #replayBytes = 0;
  #standalone?: ResponseStream;
  /** Messages for the GET stream while none is open; bounded like the replay log. */
  #queued: string[] = [];
  #queuedBytes = 0;
  #streamCount = 0;
  #ended?: ToolgateError;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #maxBytes: () => number;
  readonly #onEnd: (session: HttpSession) => void;

  constructor(options: {
    id: string;
    serverId: string;
    agentKey: string;
    handler: ClientSession;
    log: Logger;
    now: () => number;
    /** `limits.replay_buffer`: bytes of events kept for resumption, and of messages queued for the GET stream. */
    replayBufferBytes: () => number;
    onEnd: (session: HttpSession) => void;
  }) {
    this.id = options.id;
    this.serverId = options.serverId;
    this.agentKey = options.agentKey;
    this.handler = options.handler;
    this.#log = options.log;
    this.#now = options.now;
    this.#maxBytes = options.replayBufferBytes;
    this.#onEnd = options.onEnd;
    this.lastActivity = options.now();
    options.handler.downstream = this;
  }

  /** The client did something: the session is in use. */
  touch(): void {
    this.lastActivity = this.#now();
  }

  get ended(): ToolgateError | undefined {
    return this.#ended;
  }

  /** Opens the response stream for a POSTed request; the request's messages will flow into it. */
  openRequestStream(requestId: RequestId, response: ServerResponse): boolean {
    if (this.#requestStreams.has(requestId)) return false;
    this.#requestStreams.set(requestId, this.#newStream(response, true, () => this.handler.requestGone?.(requestId)));
    return true;
  }

  /** The GET stream, for messages not tied to a request. False when one is open already. */
  openStandaloneStream(response: ServerResponse): boolean {
    if (this.#standalone && !this.#standalone.finished && this.#standalone.attached) return false;
    this.#standalone = this.#newStream(response, false);
    const queued = this.#queued;
    this.#queued = [];
    this.#queuedBytes = 0;
    for (const data of queued) this.#standalone.send(data, false);
    return true;
  }

  /** Bytes held for the client now: the replay log and the queue of the GET stream. */
  get retainedBytes(): number {
    return this.#replayBytes + this.#queuedBytes;
  }

  /**
   * Resumes a stream after `lastEventId` (`<streamId>/<seq>`): replays what was sent after it and,
   * if the stream is still live, continues it on this response. Throws when the id is not one
   * this session sent, or when events after it are no longer kept (the replay log is bounded by
   * `limits.replay_buffer`): replaying with a gap would lose messages silently.
   */
  resume(lastEventId: string, response: ServerResponse): void {
    const slash = lastEventId.lastIndexOf('/');
    const streamId = lastEventId.slice(0, slash);
    const after = Number(lastEventId.slice(slash + 1));
    const streamNumber = Number(streamId.slice(this.id.length + 1));
    if (slash <= 0 || !Number.isInteger(after) || after < 0 || !streamId.startsWith(`${this.id}.`) || !Number.isInteger(streamNumber) || streamNumber < 1 || streamNumber > this.#streamCount) {
      throw new ToolgateError('invalid_request', `Last-Event-ID "${lastEventId.slice(0, 100)}" is not an event id this session sent; send the id of the last event received, or omit the header to open a new GET stream`);
    }
    const live = [...this.#requestStreams.values(), this.#standalone].find((stream) => stream?.streamId === streamId && !stream.finished);
    const kept = this.#replay.filter((event) => event.streamId === streamId);
    const missed = kept.filter((event) => event.seq > after);
    // The next event the client needs is after+1: it must still be kept, or not have been sent yet.
    const nextKept = kept.length > 0 && kept[0].seq <= after + 1;
    const nothingSentSince = live !== undefined && live.lastSeq <= after;
    if (!nextKept && !nothingSentSince) {
      throw new ToolgateError(
        'replay_unavailable',
        `The events after ${lastEventId.slice(0, 100)} are no longer kept: this session keeps the last ${this.#maxBytes()} bytes of events for resumption (limits.replay_buffer); send the request again, or raise limits.replay_buffer in the gateway's config`,
        { data: { limit: 'limits.replay_buffer', max: this.#maxBytes() } },
      );
    }
    response.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.id });
    for (const event of missed) response.write(formatEvent(`${event.streamId}/${event.seq}`, event.data));
    if (live) live.reattach(response);
    else response.end();
  }

  record(streamId: string, seq: number, data: string): void {
    const bytes = Buffer.byteLength(data, 'utf8');
    this.#replay.push({ streamId, seq, data, bytes });
    this.#replayBytes += bytes;
    const maxBytes = this.#maxBytes();
    // shift(), not slice(): a full log drops one event per event, and V8 shifts without copying the array.
    while (this.#replay.length > 0 && (this.#replay.length > REPLAY_EVENTS || this.#replayBytes > maxBytes)) {
      this.#replayBytes -= this.#replay.shift()!.bytes;
    }
  }

  send(message: JsonRpcMessage, raw: string | undefined, related: RequestId | undefined): void {
    this.touch();
    const data = raw ?? JSON.stringify(message);
    if (isResponse(message)) {
      const stream = message.id === null ? undefined : this.#requestStreams.get(message.id);
      if (!stream) {
        this.#log.warn({ id: message.id }, 'response for a request this session is not waiting on; dropped');
        return;
      }
      this.#requestStreams.delete(message.id!);
      const answersInitialize = this.protocolVersion === undefined;
      if (answersInitialize && 'result' in message && typeof message.result.protocolVersion === 'string') {
        this.protocolVersion = message.result.protocolVersion; // the first response of a session answers initialize
      }
      stream.send(data, true);
      if (answersInitialize && 'error' in message && !this.#ended) this.#onEnd(this);
      return;
    }
    const stream = (related === undefined ? undefined : this.#requestStreams.get(related)) ?? this.#fallbackStream();
    if (stream) {
      stream.send(data, false);
      return;
    }
    this.#queue(data);
  }

  /** Keeps a message for the GET stream the client has not opened yet; the oldest go first when full. */
  #queue(data: string): void {
    this.#queued.push(data);
    this.#queuedBytes += Buffer.byteLength(data, 'utf8');
    const maxBytes = this.#maxBytes();
    let drop = 0;
    while (this.#queued.length > 0 && (this.#queued.length > QUEUED_STANDALONE_MESSAGES || this.#queuedBytes > maxBytes)) {
      this.#queuedBytes -= Buffer.byteLength(this.#queued.shift()!, 'utf8');
      drop += 1;
    }
    if (drop === 0) return;
    this.#log.warn({ dropped: drop, maxBytes }, 'messages for a GET stream the client has not opened were dropped (limits.replay_buffer)');
  }

  streaming(requestId: RequestId): void {
    this.#requestStreams.get(requestId)?.stream();
  }

  abandon(requestId: RequestId): void {
    const stream = this.#requestStreams.get(requestId);
    this.#requestStreams.delete(requestId);
    stream?.end();
  }

  end(error: ToolgateError): void {
    this.#ended = error;
    this.#standalone?.end();
    this.#onEnd(this);
  }

  /** Ends every stream and the upstream behind the session (DELETE, shutdown, idle expiry). */
  async close(): Promise<void> {
    for (const stream of this.#requestStreams.values()) stream.end();
    this.#requestStreams.clear();
    this.#standalone?.end();
    await this.handler.close();
  }

  /**
   * No client is connected to any of the session's streams. A request whose client went away
   * keeps its stream (the client may resume it) but no longer keeps the session alive.
   */
  get idle(): boolean {
    for (const stream of this.#requestStreams.values()) if (stream.attached) return false;
    return !(this.#standalone?.attached ?? false);
  }

  /** A message not tied to a live request goes on the GET stream, else on the newest request stream. */
  #fallbackStream(): ResponseStream | undefined {
    if (this.#standalone && !this.#standalone.finished && this.#standalone.attached) return this.#standalone;
    let newest: ResponseStream | undefined;
    for (const stream of this.#requestStreams.values()) newest = stream;
    return newest;
  }

  #newStream(response: ServerResponse, allowJson: boolean, onClientGone?: () => void): ResponseStream {
    const prime = this.protocolVersion !== undefined && this.protocolVersion >= PRIMING_SINCE;
    return new ResponseStream(`${this.id}.${++this.#streamCount}`, response, {
      headers: { 'mcp-session-id': this.id },
      allowJson,
      prime,
      recorder: this,
      onClientGone,
    });
  }
}
