/** Clients that call as an agent: the official SDK client with a bearer token (its `authProvider`). */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export interface AgentClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  close(): Promise<void>;
}

/** Connects to `url` sending `Authorization: Bearer <token>` on every request (no header without a token). */
export async function connectAs(url: string, token: string | undefined): Promise<AgentClient> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: { token: async () => token } });
  const client = new Client({ name: 'toolgate-identity-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, close: () => client.close() };
}

/** Keeps the clients a test opens, to close them all at the end. */
export class Clients {
  readonly #open: AgentClient[] = [];

  async as(url: string, token: string | undefined): Promise<AgentClient> {
    const connected = await connectAs(url, token);
    this.#open.push(connected);
    return connected;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.#open.map((c) => c.close()));
  }
}

export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

/** A raw JSON-RPC POST, for what the SDK client would not send. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export const initializeBody = (id = 1) => ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
