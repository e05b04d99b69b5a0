/**
 * The one table from a `ToolgateError` code to what the edges answer: the HTTP status and, on
 * the MCP edge, the JSON-RPC error code. Both the Streamable HTTP edge and the admin API read it,
 * so a new code gets its answer here, once (the type makes every code need a row).
 *
 * The JSON-RPC numbers are the spec's (-32700 .. -32603) and toolgate's implementation-defined
 * server errors (-32001 session, -32010 upstream, -32011 limit), the same values
 * `transport/jsonrpc.ts` names; they are written out here so this module imports nothing.
 */
import type { ToolgateErrorCode } from './errors.js';

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INTERNAL_ERROR = -32603;
const SESSION_ERROR = -32001;
const UPSTREAM_ERROR = -32010;
/** A configured limit was reached (too many sessions, processes, a line too long). */
export const LIMIT_ERROR = -32011;

export interface ErrorAnswer {
  readonly http: number;
  readonly jsonRpc: number;
}

const answer = (http: number, jsonRpc: number = INVALID_REQUEST): ErrorAnswer => Object.freeze({ http, jsonRpc });

export const ERROR_TABLE: Readonly<Record<ToolgateErrorCode, ErrorAnswer>> = Object.freeze({
  config_invalid: answer(500, INTERNAL_ERROR),
  config_unreadable: answer(500, INTERNAL_ERROR),
  unknown_server: answer(404),
  unknown_session: answer(404, SESSION_ERROR),
  /** Misdirected: a session of another instance of a fleet (the load balancer is not sticky). */
  wrong_instance: answer(421, SESSION_ERROR),
  session_required: answer(400),
  body_too_large: answer(413),
  parse_error: answer(400, PARSE_ERROR),
  invalid_request: answer(400),
  forbidden: answer(403),
  forbidden_origin: answer(403),
  forbidden_host: answer(403),
  not_acceptable: answer(406),
  unsupported_media_type: answer(415),
  method_not_allowed: answer(405),
  conflict: answer(409),
  not_found: answer(404),
  unauthorized: answer(401),
  upstream_unavailable: answer(502, UPSTREAM_ERROR),
  upstream_closed: answer(502, UPSTREAM_ERROR),
  upstream_error: answer(502, UPSTREAM_ERROR),
  store_error: answer(503, INTERNAL_ERROR),
  limit_reached: answer(503, LIMIT_ERROR),
  replay_unavailable: answer(410, LIMIT_ERROR),
  too_many_attempts: answer(429),
});

const INTERNAL = answer(500, INTERNAL_ERROR);

/** What to answer for any thrown value: its row, or 500 / internal error for what toolgate did not raise on purpose. */
export function errorAnswer(code: ToolgateErrorCode | undefined): ErrorAnswer {
  return (code && ERROR_TABLE[code]) ?? INTERNAL;
}
