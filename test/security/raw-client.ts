/**
 * A hand-driven Streamable HTTP client for the adversarial tests: it sends exactly the bytes a
 * hostile agent would (answers to requests it was never sent, messages the SDK refuses to build)
 * and reads the gateway's answers, JSON or SSE.
 */
export interface RawMessage {
  jsonrpc: '2.0';
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export interface RawAnswer {
  status: number;
  /** Every JSON-RPC message in the body (one for JSON, each `data:` line for SSE). */
  messages: RawMessage[];
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export class RawSession {
  private constructor(
    readonly url: string,
    readonly sessionId: string,
  ) {}

  /** Initializes a session (with the given client capabilities) and sends `notifications/initialized`. */
  static async open(url: string, capabilities: Record<string, unknown> = {}): Promise<RawSession> {
    const response = await fetch(url, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const sessionId = response.headers.get('mcp-session-id');
    await response.text();
    if (response.status !== 200 || !sessionId) throw new Error(`initialize failed with HTTP ${response.status}`);
    const session = new RawSession(url, sessionId);
    await session.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return session;
  }

  /** POSTs one message and reads the whole answer (for a request: until its response ends the stream). */
  async post(message: RawMessage): Promise<RawAnswer> {
    return this.postText(JSON.stringify(message));
  }

  /** POSTs a body exactly as given (for JSON that `JSON.stringify` cannot produce, e.g. `1e999`). */
  async postText(body: string): Promise<RawAnswer> {
    const response = await fetch(this.url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': this.sessionId }, body });
    return { status: response.status, messages: parseBody(response.headers.get('content-type') ?? '', await response.text()) };
  }

  /** POSTs a request and resolves with its response (other messages on its stream are dropped). */
  async request(message: RawMessage): Promise<RawMessage> {
    const answer = await this.post(message);
    const response = answer.messages.find((m) => m.id === message.id && m.method === undefined);
    if (!response) throw new Error(`no response to ${JSON.stringify(message.id)} (HTTP ${answer.status}): ${JSON.stringify(answer.messages)}`);
    return response;
  }

  async close(): Promise<void> {
    await fetch(this.url, { method: 'DELETE', headers: { 'mcp-session-id': this.sessionId } }).then((r) => r.text());
  }
}

function parseBody(contentType: string, body: string): RawMessage[] {
  if (body === '') return [];
  if (contentType.includes('application/json')) return [JSON.parse(body) as RawMessage];
  return body
    .split('\n')
    .filter((line) => line.startsWith('data:') && line.slice(5).trim() !== '')
    .map((line) => JSON.parse(line.slice(5)) as RawMessage);
}
