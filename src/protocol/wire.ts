/**
 * The names and numbers of MCP 2026-07-28 that toolgate reads and writes: the per-request `_meta`
 * keys, the error codes the spec reserves, and which methods the revision removed, makes
 * cacheable, or lets answer `input_required`. A leaf module: it imports nothing.
 */

/** The first (and today the only) protocol revision that carries its version on every request. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
/** The per-request revisions toolgate serves. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION];
/** The session revisions toolgate serves (their `initialize` is passed to the upstream, or answered for a 2026-only one). */
export const LEGACY_PROTOCOL_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26'];
/** What `server/discover` and an unsupported-version error name: every revision a client can use at a toolgate URL. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [...MODERN_PROTOCOL_VERSIONS, ...LEGACY_PROTOCOL_VERSIONS];

/** Revisions are dates; every one from 2026-07-28 on is of the per-request generation. */
export function isModernVersion(version: string): boolean {
  return version >= MODERN_PROTOCOL_VERSION;
}

export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
export const META_LOG_LEVEL = 'io.modelcontextprotocol/logLevel';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
export const META_SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** The spec's own error codes (its reserved range is -32020 .. -32099: nothing else may use it). */
export const HEADER_MISMATCH = -32020;
export const MISSING_REQUIRED_CLIENT_CAPABILITY = -32021;
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/**
 * toolgate's own errors, as 2026 clients see them. The 2025 edge keeps its historical codes
 * (-32001 session, -32010 upstream, -32011 limit) for compatibility; 2026-07-28 says new
 * implementations should not use -32000 .. -32019 at all and should allocate outside the
 * JSON-RPC reserved range, so the 2026 edge maps them to -31xxx.
 */
export const TOOLGATE_2026_CODES: Readonly<Record<number, number>> = { [-32010]: -31010, [-32011]: -31011 };

/** Methods of the 2025 session revisions that 2026-07-28 removed: a 2026 request for one is method-not-found. */
export const REMOVED_METHODS: ReadonlySet<string> = new Set(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

/** Requests whose answer may be `input_required` (multi round-trip requests). */
export const INPUT_REQUIRED_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Requests whose complete result must carry `ttlMs` and `cacheScope`. */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/** Which body field the `Mcp-Name` header mirrors, per method. */
export const NAME_HEADER_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** The server-to-client requests an `input_required` result may embed, and the client capability each needs. */
export const INPUT_REQUEST_CAPABILITY: Readonly<Record<string, string>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

export const LOG_LEVELS: readonly string[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/**
 * The HTTP status of a JSON-RPC error answered on the 2026 edge. Method-not-found is 404; the
 * spec's own errors and malformed messages are 400; everything else (a tool's or server's error)
 * travels in-band on 200, as the spec and the reference SDK answer it.
 */
export function httpStatusOfError(code: number): number {
  if (code === -32601) return 404;
  if (code === -32700 || code === -32600 || code === HEADER_MISMATCH || code === MISSING_REQUIRED_CLIENT_CAPABILITY || code === UNSUPPORTED_PROTOCOL_VERSION) return 400;
  return 200;
}
