/**
 * The MCP that both benchmark upstreams speak, written by hand so that no SDK sits in the hot
 * path: the benchmark must measure the gateway, not the upstream's framework. It knows exactly
 * four messages (`initialize`, `notifications/initialized`, `tools/list`, `tools/call echo`) plus
 * `ping`; anything else is answered with a JSON-RPC error.
 */

/** The one tool. Its inputSchema is what `validate: true` in the realistic policy checks. */
export const ECHO_TOOL = {
  name: 'echo',
  description: 'Returns its `text` argument unchanged.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
} as const;

/** Revisions the echo servers accept; an unknown one is answered with the newest. */
const VERSIONS = new Set(['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']);
const NEWEST = '2025-11-25';

const TOOLS_RESULT = JSON.stringify({ tools: [ECHO_TOOL] });
const SERVER_INFO = { name: 'toolgate-bench-echo', version: '1.0.0' };

interface Incoming {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: { name?: unknown; arguments?: { text?: unknown }; protocolVersion?: unknown };
}

/** What the transport should do with one message. */
export type EchoAnswer =
  /** A request: send `body` (a complete JSON-RPC response). */
  | { kind: 'response'; body: string; initialized: boolean }
  /** A notification or a response from the client: nothing to send back. */
  | { kind: 'accepted' };

/** Answers one parsed JSON-RPC message. Never throws: a bad message gets a JSON-RPC error. */
export function answer(message: Incoming): EchoAnswer {
  if (message === null || typeof message !== 'object' || message.jsonrpc !== '2.0') {
    return { kind: 'response', body: errorBody(null, -32600, 'Invalid request: expected a JSON-RPC 2.0 object'), initialized: false };
  }
  const id = message.id;
  if (typeof message.method !== 'string') return { kind: 'accepted' };
  if (id === undefined || id === null) return { kind: 'accepted' };
  const idText = JSON.stringify(id);
  switch (message.method) {
    case 'tools/call': {
      const params = message.params;
      if (params?.name !== 'echo') return response(errorBody(idText, -32602, `Unknown tool: ${String(params?.name)}`));
      const text = params.arguments?.text;
      if (typeof text !== 'string') return response(errorBody(idText, -32602, 'echo needs arguments.text, a string'));
      // Hand-built: this is the hot path, and the text is the only variable part.
      return response(`{"jsonrpc":"2.0","id":${idText},"result":{"content":[{"type":"text","text":${JSON.stringify(text)}}]}}`);
    }
    case 'tools/list':
      return response(`{"jsonrpc":"2.0","id":${idText},"result":${TOOLS_RESULT}}`);
    case 'ping':
      return response(`{"jsonrpc":"2.0","id":${idText},"result":{}}`);
    case 'initialize': {
      const asked = message.params?.protocolVersion;
      const protocolVersion = typeof asked === 'string' && VERSIONS.has(asked) ? asked : NEWEST;
      const result = { protocolVersion, capabilities: { tools: {} }, serverInfo: SERVER_INFO };
      return { kind: 'response', body: `{"jsonrpc":"2.0","id":${idText},"result":${JSON.stringify(result)}}`, initialized: true };
    }
    default:
      return response(errorBody(idText, -32601, `Method not found: ${message.method}`));
  }
}

function response(body: string): EchoAnswer {
  return { kind: 'response', body, initialized: false };
}

function errorBody(idText: string | null, code: number, message: string): string {
  return `{"jsonrpc":"2.0","id":${idText ?? 'null'},"error":${JSON.stringify({ code, message })}}`;
}

/**
 * Exits when the process that started this one is gone, so an upstream can never outlive a
 * benchmark that crashed. The check runs once a second and does not keep the process alive.
 */
export function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
}
