/**
 * A minimal Streamable HTTP MCP client for load: node:http with a keep-alive Agent, one POST per
 * message, answers read as `application/json` or as an SSE stream. It resolves a request as soon
 * as its response event arrives (the stream is drained in the background so the socket can be
 * reused), so latency is what an SDK client would see, without an SDK's own cost.
 */
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';

export const PROTOCOL_VERSION = '2025-06-18';

export interface JsonRpcReply {
  id?: unknown;
  result?: { isError?: boolean; content?: Array<{ type: string; text?: string }>; [key: string]: unknown };
  error?: { code: number; message: string };
}

/** Why a load call failed, with what the server said. */
export class BenchClientError extends Error {
  constructor(readonly code: 'http_status' | 'rpc_error' | 'tool_error' | 'bad_answer' | 'timeout', message: string) {
    super(message);
    this.name = 'BenchClientError';
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

export class McpHttpSession {
  readonly #url: URL;
  readonly #agent: Agent;
  #sessionId?: string;
  #nextId = 1;

  constructor(url: string, agent: Agent) {
    this.#url = new URL(url);
    this.#agent = agent;
  }

  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** `initialize`, and unless `only` is set, `notifications/initialized` and `tools/list`, as a real client starts. */
  async open(only = false): Promise<void> {
    await this.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'toolgate-bench', version: '1.0.0' },
    });
    if (only) return;
    await this.notify('notifications/initialized');
    const list = await this.request('tools/list', {});
    const tools = (list.result?.tools ?? []) as Array<{ name: string }>;
    if (!tools.some((tool) => tool.name === 'echo')) {
      throw new BenchClientError('bad_answer', `tools/list from ${this.#url} does not list "echo": ${JSON.stringify(list).slice(0, 200)}`);
    }
  }

  /** One `tools/call echo`; throws unless the echo came back intact. */
  async echo(text: string): Promise<void> {
    const reply = await this.request('tools/call', { name: 'echo', arguments: { text } });
    const content = reply.result?.content;
    if (reply.result?.isError || content?.[0]?.text !== text) {
      throw new BenchClientError('tool_error', `echo through ${this.#url} did not return its text: ${JSON.stringify(reply).slice(0, 300)}`);
    }
  }

  async request(method: string, params: Record<string, unknown>): Promise<JsonRpcReply> {
    const id = this.#nextId++;
    const body = `{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
    const reply = await this.#post(body, id);
    if (reply.error) throw new BenchClientError('rpc_error', `${method} through ${this.#url} failed: ${reply.error.code} ${reply.error.message}`);
    return reply;
  }

  async notify(method: string): Promise<void> {
    await this.#post(`{"jsonrpc":"2.0","method":${JSON.stringify(method)}}`, undefined);
  }

  /** Ends the session (DELETE); errors are ignored: the server may have ended it already. */
  async close(): Promise<void> {
    if (this.#sessionId === undefined) return;
    await new Promise<void>((resolve) => {
      const req = httpRequest(this.#url, { method: 'DELETE', agent: this.#agent, headers: this.#headers(0) }, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', () => resolve());
      });
      req.setTimeout(5000, () => req.destroy());
      req.on('error', () => resolve());
      req.end();
    });
    this.#sessionId = undefined;
  }

  #headers(length: number): Record<string, string | number> {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'content-length': length,
    };
    if (this.#sessionId !== undefined) {
      headers['mcp-session-id'] = this.#sessionId;
      headers['mcp-protocol-version'] = PROTOCOL_VERSION;
    }
    return headers;
  }

  /** POSTs one message; for a request, resolves with the response whose id is `id`. */
  #post(body: string, id: number | undefined): Promise<JsonRpcReply> {
    return new Promise((resolve, reject) => {
      const options = { method: 'POST', agent: this.#agent, headers: this.#headers(Buffer.byteLength(body)) };
      const req = httpRequest(this.#url, options, (res) => {
        const session = res.headers['mcp-session-id'];
        if (typeof session === 'string' && this.#sessionId === undefined) this.#sessionId = session;
        const status = res.statusCode ?? 0;
        if (id === undefined && status === 202) {
          res.resume();
          resolve({});
          return;
        }
        if (status !== 200) {
          readAll(res, (text) => reject(new BenchClientError('http_status', `POST ${this.#url} answered HTTP ${status}: ${text.slice(0, 300)}`)));
          return;
        }
        const type = res.headers['content-type'] ?? '';
        if (type.includes('text/event-stream')) {
          readEvents(res, id, resolve, reject);
          return;
        }
        readAll(res, (text) => {
          try {
            resolve(id === undefined || text === '' ? {} : (JSON.parse(text) as JsonRpcReply));
          } catch {
            reject(new BenchClientError('bad_answer', `POST ${this.#url} answered ${type} that is not JSON: ${text.slice(0, 200)}`));
          }
        });
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new BenchClientError('timeout', `POST ${this.#url} got no answer in ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

function readAll(res: IncomingMessage, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
}

/** Reads SSE events until the response with `id` arrives; the rest of the stream is drained. */
function readEvents(res: IncomingMessage, id: number | undefined, resolve: (reply: JsonRpcReply) => void, reject: (error: Error) => void): void {
  let buffer = '';
  let settled = false;
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    if (settled) return;
    buffer += chunk.includes('\r') ? chunk.replace(/\r\n?/g, '\n') : chunk;
    let end = buffer.indexOf('\n\n');
    while (end !== -1 && !settled) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      let data = '';
      for (const line of event.split('\n')) {
        if (line.startsWith('data:')) data += (data === '' ? '' : '\n') + line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
      }
      if (data.trim() === '') continue;
      let message: JsonRpcReply & { method?: string };
      try {
        message = JSON.parse(data);
      } catch {
        settled = true;
        reject(new BenchClientError('bad_answer', `an SSE event is not JSON: ${data.slice(0, 200)}`));
        return;
      }
      if (message.method === undefined && message.id === id) {
        settled = true;
        resolve(message);
      }
    }
  });
  res.on('end', () => {
    if (!settled) reject(new BenchClientError('bad_answer', `the SSE stream ended before the response to request ${id}`));
  });
  res.on('error', (error) => {
    if (!settled) reject(error);
  });
}
