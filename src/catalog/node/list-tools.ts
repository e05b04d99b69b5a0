/**
 * Fetching a configured server's tools for the catalog, `toolgate init` and `toolgate explain`:
 * connect with the official SDK client the way the gateway would start the server (a stdio
 * server gets the SDK's safe default environment plus its configured `env`, in its `cwd`), walk
 * every page of `tools/list`, close. The SDK is imported only when a server is connected to, so
 * the commands reading a tools file instead start without it.
 */
import type { Client, Transport } from '@modelcontextprotocol/client';
import type { ServerConfig } from '../../config/types.js';
import { ToolgateError } from '../../errors.js';
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
}

/** Pages followed before giving up on a server that keeps returning a cursor. */
const MAX_PAGES = 1000;
/** Lines of a stdio server's stderr quoted when it fails. */
const STDERR_LINES = 8;

export async function listServerTools(id: string, server: ServerConfig, options: ListOptions = {}): Promise<ServerListing> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const stderr: string[] = [];
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const client = await connect(server, stderr, timeoutMs);
    try {
      const tools: PinnableTool[] = [];
      const seenCursors = new Set<string>();
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await client.listTools(cursor === undefined ? undefined : { cursor }, { signal: deadline, timeout: timeoutMs });
        tools.push(...(result.tools as PinnableTool[]));
        cursor = result.nextCursor;
        if (cursor === undefined) break;
        if (seenCursors.has(cursor)) throw new Error(`the server repeated the pagination cursor "${cursor}"`);
        seenCursors.add(cursor);
      }
      if (cursor !== undefined) throw new Error(`tools/list still had more pages after ${MAX_PAGES}`);
      const info = client.getServerVersion();
      const listing: ServerListing = { server: id, tools };
      if (info) listing.info = { name: info.name, version: info.version, ...(info.title ? { title: info.title } : {}) };
      const instructions = client.getInstructions();
      if (instructions) listing.instructions = instructions;
      return listing;
    } finally {
      await client.close().catch(() => {});
    }
  } catch (error) {
    throw unreachable(id, server, error, stderr);
  }
}

/** `command arg arg` or the URL, for messages. */
export function describeServer(server: ServerConfig): string {
  return server.kind === 'stdio' ? [server.command, ...server.args].join(' ') : server.url;
}

async function connect(server: ServerConfig, stderr: string[], timeoutMs: number): Promise<Client> {
  const { Client, SSEClientTransport, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const connected = async (transport: Transport): Promise<Client> => {
    const client = new Client({ name: 'toolgate-catalog', version: VERSION });
    try {
      await client.connect(transport, { timeout: timeoutMs });
    } catch (error) {
      await transport.close().catch(() => {});
      throw error;
    }
    return client;
  };
  if (server.kind === 'stdio') {
    const { StdioClientTransport, getDefaultEnvironment } = await import('@modelcontextprotocol/client/stdio');
    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args,
      env: { ...getDefaultEnvironment(), ...server.env },
      ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
      if (stderr.length > STDERR_LINES * 4) stderr.splice(0, stderr.length - STDERR_LINES);
    });
    return connected(transport);
  }
  const url = new URL(server.url);
  const requestInit = { headers: server.headers };
  try {
    return await connected(new StreamableHTTPClientTransport(url, { requestInit }));
  } catch (streamable) {
    // A legacy HTTP+SSE server answers the Streamable HTTP POST with 4xx; try its GET stream.
    try {
      return await connected(new SSEClientTransport(url, { requestInit }));
    } catch {
      throw streamable;
    }
  }
}

function unreachable(id: string, server: ServerConfig, error: unknown, stderr: string[]): ToolgateError {
  const e = error as NodeJS.ErrnoException;
  let why = e?.message ?? String(error);
  if (server.kind === 'stdio' && e?.code === 'ENOENT') {
    why = `command "${server.command}" was not found (hint: install it, or give its full path in servers.${id}.command)`;
  } else if (why === 'fetch failed' && e.cause !== undefined) {
    const cause = e.cause as NodeJS.ErrnoException;
    why = `cannot connect to ${server.kind === 'http' ? server.url : 'it'} (${cause.code ?? cause.message}); is the server running?`;
  } else if (e?.name === 'TimeoutError' || /timed? ?out/i.test(why)) {
    why = `no answer in time (${why})`;
  }
  const tail = stderr.slice(-STDERR_LINES);
  const said = tail.length > 0 ? `\n  its stderr ended with:\n    ${tail.join('\n    ')}` : '';
  return new ToolgateError('upstream_unavailable', `server "${id}" (${describeServer(server)}) could not be listed: ${why}${said}`, {
    cause: error,
    data: { server: id },
  });
}
