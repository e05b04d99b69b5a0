/**
 * Fetching a configured server's tools for the catalog, `toolgate init`, `explain` and `test`:
 * connect with the gateway's own upstream transports, the way the gateway would start the server
 * (a stdio server gets the safe default environment plus its configured `env`, in its `cwd`; an
 * HTTP server is Streamable HTTP, legacy HTTP+SSE, or MCP 2026-07-28 only, learnt as the gateway
 * learns it), `initialize`, walk every page of `tools/list`, close. No MCP SDK is loaded: a
 * running gateway lists its servers at start-up and should not pay for a second protocol stack.
 */
import { pino, type Logger } from 'pino';
import type { ServerConfig } from '../../config/types.js';
import { ToolgateError } from '../../errors.js';
import { UpstreamConnector } from '../../gateway/upstreams.js';
import { discoverFromUpstream } from '../../protocol/discover.js';
import { probeGenerations } from '../../protocol/generation-probe.js';
import { ModernHttpUpstream } from '../../protocol/modern-upstream.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../../protocol/wire.js';
import { errorResponse, isRequest, isResponse, METHOD_NOT_FOUND, type JsonRpcMessage, type RequestId } from '../../transport/jsonrpc.js';
import type { Upstream } from '../../transport/upstream.js';
import type { PinnableTool } from '../pins.js';
import { VERSION } from '../../cli/version.js';

export interface ServerListing {
  server: string;
  /** What the server said of itself in `initialize`. */
  info?: { name: string; title?: string; version: string };
  instructions?: string;
  tools: PinnableTool[];
}

export interface ListOptions {
  /** For connecting and every page together. Default 30 s. */
  timeoutMs?: number;
  /** Where the upstream transports log. Default: nowhere. */
  log?: Logger;
}

/** Pages followed before giving up on a server that keeps returning a cursor. */
const MAX_PAGES = 1000;
/** The largest message taken from a server being listed (the gateway's default `limits.max_line_bytes`). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Listing is not a client session: the processes it starts are not counted against `limits.max_processes_per_server`. */
const connector = new UpstreamConnector(() => ({ maxProcessesPerServer: Number.POSITIVE_INFINITY, maxLineBytes: MAX_MESSAGE_BYTES }));

export async function listServerTools(id: string, server: ServerConfig, options: ListOptions = {}): Promise<ServerListing> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const log = options.log ?? pino({ level: 'silent' });
  const connecting = connect(id, server, log);
  let upstream: Upstream | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
  });
  try {
    upstream = await Promise.race([connecting, deadline]);
    return await Promise.race([list(id, new Exchange(upstream)), deadline]);
  } catch (error) {
    throw unreachable(id, server, error, upstream?.label);
  } finally {
    clearTimeout(timer);
    if (upstream) await upstream.close().catch(() => {});
    else void connecting.then((late) => late.close()).catch(() => {});
  }
}

/** `command arg arg` or the URL, for messages. */
export function describeServer(server: ServerConfig): string {
  return server.kind === 'stdio' ? [server.command, ...server.args].join(' ') : server.url;
}

/** An HTTP server that speaks only MCP 2026-07-28 is listed through the gateway's 2025-session play in front of it. */
async function connect(id: string, server: ServerConfig, log: Logger): Promise<Upstream> {
  if (server.kind === 'http') {
    const generations = await probeGenerations(server.url, server.headers);
    if (generations.modern && !generations.legacy) {
      const discovered = discoverFromUpstream(generations.modern);
      return new ModernHttpUpstream({ serverId: id, url: server.url, headers: server.headers, log, discover: async () => discovered, maxMessageBytes: MAX_MESSAGE_BYTES });
    }
  }
  return connector.connect(id, server, log);
}

async function list(id: string, exchange: Exchange): Promise<ServerListing> {
  const initialized = await exchange.request('initialize', {
    protocolVersion: LEGACY_PROTOCOL_VERSIONS[0],
    capabilities: {},
    clientInfo: { name: 'toolgate-catalog', version: VERSION },
  });
  exchange.notify('notifications/initialized');
  const tools: PinnableTool[] = [];
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await exchange.request('tools/list', cursor === undefined ? {} : { cursor });
    if (!Array.isArray(result.tools)) throw new Error('its tools/list answer has no tools array');
    for (const tool of result.tools as PinnableTool[]) tools.push(tool); // no spread: a page of a few million entries would overflow the call's arguments
    cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
    if (cursor === undefined) break;
    if (seenCursors.has(cursor)) throw new Error(`the server repeated the pagination cursor "${cursor}"`);
    seenCursors.add(cursor);
  }
  if (cursor !== undefined) throw new Error(`tools/list still had more pages after ${MAX_PAGES}`);
  const listing: ServerListing = { server: id, tools };
  const info = initialized.serverInfo as { name?: unknown; title?: unknown; version?: unknown } | undefined;
  if (typeof info?.name === 'string' && typeof info.version === 'string') {
    listing.info = { name: info.name, version: info.version, ...(typeof info.title === 'string' && info.title ? { title: info.title } : {}) };
  }
  if (typeof initialized.instructions === 'string' && initialized.instructions) listing.instructions = initialized.instructions;
  return listing;
}

/** toolgate's own requests over one upstream: each answered in turn; the server's own requests are declined (a listing offers no capabilities). */
class Exchange {
  readonly #upstream: Upstream;
  readonly #waiting = new Map<RequestId, { resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #ended?: Error;

  constructor(upstream: Upstream) {
    this.#upstream = upstream;
    upstream.onmessage = (message) => this.#receive(message);
    upstream.onclose = (error) => {
      this.#ended = error;
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
    };
  }

  request(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.#ended) return Promise.reject(this.#ended);
    const id = `toolgate-catalog-${this.#nextId++}`;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#upstream.send({ jsonrpc: '2.0', id, method, params });
    }).then(undefined, (error: unknown) => {
      throw error instanceof RequestRefused ? new Error(`${method}: ${error.message}`, { cause: error }) : error;
    });
  }

  notify(method: string): void {
    this.#upstream.send({ jsonrpc: '2.0', method });
  }

  #receive(message: JsonRpcMessage): void {
    if (isResponse(message)) {
      const waiting = message.id === null ? undefined : this.#waiting.get(message.id);
      if (!waiting) return;
      this.#waiting.delete(message.id!);
      if ('error' in message) waiting.reject(new RequestRefused(message.error.message));
      else waiting.resolve(message.result);
      return;
    }
    if (!isRequest(message)) return;
    this.#upstream.send(message.method === 'ping' ? { jsonrpc: '2.0', id: message.id, result: {} } : errorResponse(message.id, METHOD_NOT_FOUND, `toolgate's catalog listing does not serve ${message.method}`));
  }
}

/** The server (or the transport in its name) answered a request with an error. */
class RequestRefused extends Error {}

function unreachable(id: string, server: ServerConfig, error: unknown, label: string | undefined): ToolgateError {
  const e = error as Error & { cause?: NodeJS.ErrnoException };
  let why = e?.message ?? String(error);
  // The transports name the upstream; the message names the server already.
  if (label !== undefined) why = why.replaceAll(`${label} `, '');
  const connectFailure = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|EAI_AGAIN)\b/.exec(why);
  if (server.kind === 'stdio' && e?.cause?.code === 'ENOENT') {
    why = `command "${server.command}" was not found (hint: install it, or give its full path in servers.${id}.command)`;
  } else if (server.kind === 'http' && connectFailure) {
    why = `cannot connect to ${server.url} (${connectFailure[1]}); is the server running?`;
  } else if (e?.name === 'TimeoutError') {
    why = `no answer in time (${why})`;
  }
  return new ToolgateError('upstream_unavailable', `server "${id}" (${describeServer(server)}) could not be listed: ${why}`, {
    cause: error,
    data: { server: id },
  });
}
