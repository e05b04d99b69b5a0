import { LIMIT_ERROR } from '../error-table.js';
import type { Agent } from '../identity/agent.js';
import type { CallTimeout } from '../policy/compile.js';
import type { ToolCall } from '../policy/types.js';
import { errorResponse, INVALID_PARAMS, type JsonRpcError, type JsonRpcRequest } from '../transport/jsonrpc.js';

/** How much of an over-long tool name is kept for the audit record and logs. */
export const TOOL_NAME_PREFIX_KEPT = 64;

/** The upstream did not answer within the call timeout: a limit was reached, the code every limit answers with. */
export const CALL_TIMEOUT = LIMIT_ERROR;

export type CallInput =
  | { ok: true; call: ToolCall }
  /** `overLong`: the name passed `limits.tool_name_length`; the refusal is audited under a bounded prefix. */
  | { ok: false; error: JsonRpcError; overLong?: { prefix: string; reason: string } };

/**
 * The `tools/call` params as the policy needs them, or the JSON-RPC error for a malformed call.
 * The name's length is checked first, so an over-long name never reaches a rule lookup, a cache
 * or a metric: only its prefix does, in the refusal's audit record.
 */
export function readToolCall(message: JsonRpcRequest, server: string, session: string | undefined, agent: Agent, toolNameLength: number): CallInput {
  const params = message.params ?? {};
  const tool = params.name;
  if (typeof tool !== 'string') return { ok: false, error: errorResponse(message.id, INVALID_PARAMS, 'tools/call needs params.name, the name of the tool to call') };
  if (tool.length > toolNameLength) {
    const reason = `the tool name is ${tool.length} characters long; toolgate accepts at most ${toolNameLength} (limits.tool_name_length)`;
    const prefix = `${tool.slice(0, Math.min(TOOL_NAME_PREFIX_KEPT, toolNameLength))}…`;
    return { ok: false, error: errorResponse(message.id, INVALID_PARAMS, `Invalid params: ${reason}`), overLong: { prefix, reason } };
  }
  const args = params.arguments;
  if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
    return { ok: false, error: errorResponse(message.id, INVALID_PARAMS, `tools/call params.arguments must be an object (tool "${tool}")`) };
  }
  return { ok: true, call: { server, tool, args: (args ?? {}) as Record<string, unknown>, session, agent } };
}

/** What the agent reads when the upstream did not answer in time: the limit, where it is set, how to raise it. */
export function callTimeoutText(call: ToolCall, timeout: CallTimeout): string {
  const key = timeout.setting.replace(/ \(.*\)$/, '');
  return `Upstream timeout: tool "${call.tool}" on server "${call.server}" got no answer within ${formatDuration(timeout.ms)}, the limit set by ${timeout.setting}; toolgate cancelled the call. To allow longer calls, raise ${key}.`;
}

function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
