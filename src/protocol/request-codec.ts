/**
 * The 2026-07-28 request codec: decides, per HTTP request, which protocol generation it speaks
 * (the spec's versioning rules: a `_meta` protocol-version claim in the body decides, the
 * `MCP-Protocol-Version` header only cross-checks), and refuses a malformed 2026 request before
 * anything acts on it: a missing `_meta` field (-32602), a header that disagrees with the body or
 * is missing (-32020), a revision toolgate does not serve (-32022). A request that passes is
 * handed on with its envelope read out. Pure: no I/O.
 */
import { errorResponse, INVALID_PARAMS, INVALID_REQUEST, type JsonRpcError, type JsonRpcNotification, type JsonRpcRequest, type RequestId } from '../transport/jsonrpc.js';
import { decodeHeaderValue, PARAM_HEADER_PREFIX, stripOws } from './header-values.js';
import {
  HEADER_MISMATCH,
  isModernVersion,
  LOG_LEVELS,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_LOG_LEVEL,
  META_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
  NAME_HEADER_SOURCE,
  SUPPORTED_PROTOCOL_VERSIONS,
  UNSUPPORTED_PROTOCOL_VERSION,
} from './wire.js';

/** An HTTP request as the codec sees it. Header names are lower-case. */
export interface InboundRequest {
  method: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body of a POST. */
  body?: unknown;
}

/** What a 2026 request says about its client, read from `params._meta`. */
export interface ClientEnvelope {
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: { name: string; version: string };
  logLevel?: string;
}

export type Classified =
  | { generation: '2025' }
  | {
      generation: '2026';
      kind: 'request';
      request: JsonRpcRequest;
      envelope: ClientEnvelope;
      /** The request's `Mcp-Param-*` headers (lower-case names), forwarded unchanged to a 2026 upstream. */
      paramHeaders: Record<string, string>;
    }
  | { generation: '2026'; kind: 'notification'; notification: JsonRpcNotification }
  | { generation: '2026'; kind: 'refused'; status: number; error: JsonRpcError };

function header(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : stripOws(first);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function metaOf(params: unknown): Record<string, unknown> | undefined {
  return isObject(params) && isObject(params._meta) ? params._meta : undefined;
}

function refused(status: number, id: RequestId | null, code: number, message: string, data?: unknown): Classified {
  return { generation: '2026', kind: 'refused', status, error: errorResponse(id, code, message, data) };
}

function mismatch(id: RequestId | null, what: string): Classified {
  return refused(400, id, HEADER_MISMATCH, `Header mismatch: ${what}`);
}

/** What is wrong with a claimed envelope, naming the `_meta` key; undefined when it is well-formed. */
function envelopeProblem(meta: Record<string, unknown>): string | undefined {
  const version = meta[META_PROTOCOL_VERSION];
  if (typeof version !== 'string' || version === '') return `_meta["${META_PROTOCOL_VERSION}"] must be a protocol revision such as "2026-07-28"`;
  if (!(META_CLIENT_CAPABILITIES in meta)) return `_meta["${META_CLIENT_CAPABILITIES}"] is required on every 2026-07-28 request (send {} when the client has none)`;
  if (!isObject(meta[META_CLIENT_CAPABILITIES])) return `_meta["${META_CLIENT_CAPABILITIES}"] must be an object`;
  const info = meta[META_CLIENT_INFO];
  if (info !== undefined && !(isObject(info) && typeof info.name === 'string' && typeof info.version === 'string')) {
    return `_meta["${META_CLIENT_INFO}"] must be an object with string "name" and "version"`;
  }
  const level = meta[META_LOG_LEVEL];
  if (level !== undefined && !(typeof level === 'string' && LOG_LEVELS.includes(level))) return `_meta["${META_LOG_LEVEL}"] must be one of ${LOG_LEVELS.join(', ')}`;
  return undefined;
}

function envelopeOf(meta: Record<string, unknown>): ClientEnvelope {
  return {
    protocolVersion: meta[META_PROTOCOL_VERSION] as string,
    clientCapabilities: meta[META_CLIENT_CAPABILITIES] as Record<string, unknown>,
    ...(meta[META_CLIENT_INFO] !== undefined ? { clientInfo: meta[META_CLIENT_INFO] as { name: string; version: string } } : {}),
    ...(meta[META_LOG_LEVEL] !== undefined ? { logLevel: meta[META_LOG_LEVEL] as string } : {}),
  };
}

/** Decides the generation of one HTTP request and, for a 2026 one, validates it. */
export function classify(request: InboundRequest): Classified {
  const headerVersion = header(request, 'mcp-protocol-version');
  const headerIsModern = headerVersion !== undefined && isModernVersion(headerVersion);
  if (request.method !== 'POST') {
    // 2026-07-28 is POST-only; a GET or DELETE that names it is answered 405, the rest are 2025 session operations.
    if (headerIsModern && header(request, 'mcp-session-id') === undefined) {
      return refused(405, null, INVALID_REQUEST, `${request.method} is not part of MCP ${headerVersion}: send every request as its own POST (notifications come from subscriptions/listen)`);
    }
    return { generation: '2025' };
  }
  const body = request.body;
  if (!isObject(body) || typeof body.method !== 'string') return { generation: '2025' }; // batches, responses and junk: the 2025 edge answers them
  const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
  const meta = metaOf(body.params);
  const claimed = meta !== undefined && META_PROTOCOL_VERSION in meta;

  if (!claimed) {
    if (body.method === 'initialize' && headerIsModern) return mismatch(id, `initialize (the 2025 handshake) was sent with MCP-Protocol-Version: ${headerVersion}`);
    if (!headerIsModern) return { generation: '2025' };
    if (id === null) return { generation: '2026', kind: 'notification', notification: body as unknown as JsonRpcNotification };
    const missing = meta === undefined ? '_meta' : [META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES].filter((key) => !(key in meta)).join(', ');
    return refused(400, id, INVALID_PARAMS, `Invalid params: MCP-Protocol-Version names ${headerVersion}, but the request lacks ${missing} (every 2026-07-28 request carries its protocol version and client capabilities in params._meta)`);
  }

  const problem = envelopeProblem(meta);
  if (problem) {
    if (body.method === 'initialize' && !headerIsModern) return { generation: '2025' }; // a 2025 initialize with a stray, malformed claim
    return refused(400, id, INVALID_PARAMS, `Invalid params: ${problem}`);
  }
  const envelope = envelopeOf(meta);
  if (headerVersion !== undefined && headerVersion !== envelope.protocolVersion) {
    return mismatch(id, `the MCP-Protocol-Version header says ${headerVersion} but _meta names ${envelope.protocolVersion}`);
  }
  const methodHeader = header(request, 'mcp-method');
  if (methodHeader !== undefined && methodHeader !== body.method) return mismatch(id, `the Mcp-Method header says ${methodHeader} but the body's method is ${body.method}`);
  if (!MODERN_PROTOCOL_VERSIONS.includes(envelope.protocolVersion)) {
    if (body.method === 'initialize' && !isModernVersion(envelope.protocolVersion)) return { generation: '2025' };
    return refused(400, id, UNSUPPORTED_PROTOCOL_VERSION, `Unsupported protocol version: ${envelope.protocolVersion}`, { supported: [...SUPPORTED_PROTOCOL_VERSIONS], requested: envelope.protocolVersion });
  }
  if (id === null) return { generation: '2026', kind: 'notification', notification: body as unknown as JsonRpcNotification };

  if (headerVersion === undefined) return mismatch(id, 'the MCP-Protocol-Version header is required on every 2026-07-28 request');
  if (methodHeader === undefined) return mismatch(id, `the Mcp-Method header is required (it must say ${body.method})`);
  const source = Object.hasOwn(NAME_HEADER_SOURCE, body.method) ? NAME_HEADER_SOURCE[body.method] : undefined;
  if (source !== undefined) {
    const bodyName = isObject(body.params) && typeof body.params[source] === 'string' ? body.params[source] : undefined;
    const nameHeader = header(request, 'mcp-name');
    if (nameHeader === undefined) {
      if (bodyName !== undefined) return mismatch(id, `the Mcp-Name header is required for ${body.method} (it must say ${JSON.stringify(bodyName)})`);
    } else {
      const decoded = decodeHeaderValue(nameHeader);
      if (decoded === undefined) return mismatch(id, 'the Mcp-Name header is not valid Base64 in its =?base64?...?= form');
      if (bodyName !== undefined && decoded !== bodyName) return mismatch(id, `the Mcp-Name header says ${JSON.stringify(decoded)} but params.${source} is ${JSON.stringify(bodyName)}`);
    }
  }
  const paramHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith(PARAM_HEADER_PREFIX) && value !== undefined) paramHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { generation: '2026', kind: 'request', request: body as unknown as JsonRpcRequest, envelope, paramHeaders };
}
