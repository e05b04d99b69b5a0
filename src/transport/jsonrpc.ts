/**
 * Just enough JSON-RPC 2.0 for a faithful proxy: messages are passed through as parsed objects
 * (and, where unchanged, as their original text), so fields this module does not name — `_meta`,
 * extensions, future protocol additions — survive untouched.
 */

export type RequestId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcResult {
  jsonrpc: '2.0';
  id: RequestId;
  result: Record<string, unknown>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcError {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcResult | JsonRpcError;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** The session is unknown or has ended (the code the MCP SDKs use for it). */
export const SESSION_ERROR = -32001;
/** Implementation-defined server error: the upstream MCP server failed, died or is unreachable. */
export const UPSTREAM_ERROR = -32010;

/** MCP names every notification `notifications/...`; any other method is a request and needs an id. */
const NOTIFICATION_PREFIX = 'notifications/';

export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return 'method' in message && 'id' in message && message.id !== undefined && message.id !== null;
}

export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return 'method' in message && !('id' in message && message.id !== undefined && message.id !== null);
}

export function isResponse(message: JsonRpcMessage): message is JsonRpcResponse {
  return !('method' in message) && ('result' in message || 'error' in message);
}

export function errorResponse(id: RequestId | null, code: number, message: string, data?: unknown): JsonRpcError {
  const error: JsonRpcErrorObject = { code, message };
  if (data !== undefined) error.data = data;
  return { jsonrpc: '2.0', id, error };
}

/** How deeply a client message may nest when the config says nothing (`limits.max_json_depth`). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * Checks the envelope only (not the MCP params): the gateway must not pay for re-validating every
 * message it forwards, but it must not forward something that is not JSON-RPC at all.
 * Returns a description of what is wrong, or undefined when the shape is acceptable.
 */
export function envelopeProblem(value: unknown, maxDepth = DEFAULT_MAX_JSON_DEPTH): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return Array.isArray(value)
      ? 'JSON-RPC batches are not supported by MCP since protocol revision 2025-06-18; send one message per request'
      : 'a JSON-RPC message must be a JSON object';
  }
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return 'the "jsonrpc" member must be exactly "2.0"';
  const hasId = 'id' in message && message.id !== undefined;
  if (hasId && message.id !== null && typeof message.id !== 'string' && typeof message.id !== 'number') {
    return 'the "id" member must be a string or a number';
  }
  if (typeof message.id === 'number' && !Number.isSafeInteger(message.id)) {
    // Peers disagree on fractions and on integers past 2^53 (they round or drop them), so such a request could go unanswered.
    return `a numeric "id" must be an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}; use a string id otherwise`;
  }
  if ('method' in message) {
    if (typeof message.method !== 'string' || message.method === '') return 'the "method" member must be a non-empty string';
    if ('params' in message && message.params !== undefined && (message.params === null || typeof message.params !== 'object')) {
      return 'the "params" member must be an object';
    }
    if (hasId && message.id === null) return 'a request "id" must not be null';
    if (nestedDeeperThan(message.params, maxDepth)) {
      return `the "params" member nests deeper than ${maxDepth} levels; flatten the arguments, or raise limits.max_json_depth in the gateway's config`;
    }
    if (!hasId && !message.method.startsWith(NOTIFICATION_PREFIX)) {
      // A request sent as a notification would go unanswered, and for tools/call undecided and unaudited.
      return `"${message.method}" was sent without an "id": only ${NOTIFICATION_PREFIX}* methods may be sent as notifications; give the request an id`;
    }
    return undefined;
  }
  if (!hasId) return 'a message needs a "method" (request or notification) or an "id" with "result" or "error" (response)';
  if (!('result' in message) && !('error' in message)) return 'a response needs a "result" or an "error" member';
  return undefined;
}

/** The id to answer a refused message with: its own when it is a usable id, otherwise null. */
export function answerableId(message: unknown): RequestId | null {
  const id = (message as { id?: unknown } | null)?.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : null;
}

/** Whether arrays and objects inside `value` nest more than `maxDepth` levels (iterative: deep input cannot overflow the stack here). */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

export function messageKind(message: JsonRpcMessage): string {
  if ('method' in message) return message.method;
  return 'error' in message ? 'error response' : 'result response';
}
