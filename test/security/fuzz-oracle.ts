/**
 * What the upstream may have received, judged from what the fuzzer sent: every `tools/call` in
 * the recording fixture's log is traced back (by the `_meta["fuzz/case"]` marker) to the message
 * that carried it, and must be one the policy allows, sent as a well-formed request that the
 * gateway did not refuse at the HTTP level. Well-formed allowed calls in the clean session must
 * arrive exactly once.
 */
import { GET_STATUS_LIMIT, policyRefusal } from './fuzz-policy.js';

/** One message (or HTTP body, or stdio line) the fuzzer sent, as the gateway read it. */
export interface Sent {
  marker: string;
  family: string;
  what: string;
  /** The bytes as text (what the gateway parses). */
  text: string;
  /** The HTTP status it got; refusing statuses (>= 400) mean it must not have gone anywhere. */
  status?: number;
  mustReach?: boolean;
}

interface Recorded {
  message: { method?: unknown; id?: unknown; params?: { name?: unknown; _meta?: Record<string, unknown> } };
}

/** Request methods of MCP: sent without an id they are not requests, and must not be forwarded. */
const REQUEST_METHODS = new Set([
  'initialize', 'ping', 'tools/list', 'tools/call', 'resources/list', 'resources/read', 'resources/templates/list', 'resources/subscribe',
  'resources/unsubscribe', 'prompts/list', 'prompts/get', 'completion/complete', 'logging/setLevel',
]);

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function markerOf(message: unknown): unknown {
  return isObject(message) && isObject(message.params) && isObject(message.params._meta) ? message.params._meta['fuzz/case'] : undefined;
}

/** Why the tools/call with `marker` inside `sent` must never reach the upstream, or undefined. */
export function mustNotReach(sent: Sent, marker: string): string | undefined {
  if (sent.status !== undefined && sent.status >= 400) return `the gateway answered it with HTTP ${sent.status}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(sent.text);
  } catch {
    return 'it is not valid JSON';
  }
  if (Array.isArray(parsed)) return 'it came in a JSON-RPC batch';
  if (!isObject(parsed) || markerOf(parsed) !== marker || parsed.method !== 'tools/call') return 'the message that carried it is not that tools/call';
  if (parsed.jsonrpc !== '2.0') return 'its "jsonrpc" is not "2.0"';
  if (!('id' in parsed) || parsed.id === null) return 'it has no id (a notification)';
  if (typeof parsed.id !== 'string' && typeof parsed.id !== 'number') return 'its id is neither a string nor a number';
  return policyRefusal(parsed.params);
}

/** Everything wrong with what the upstream received (empty when nothing is). */
export function upstreamViolations(records: Recorded[], sent: ReadonlyMap<string, Sent>): string[] {
  const problems: string[] = [];
  const arrivals = new Map<string, number>();
  let getStatusCalls = 0;
  for (const { message } of records) {
    if (typeof message.method === 'string' && REQUEST_METHODS.has(message.method) && (message.id === undefined || message.id === null) && message.method !== 'tools/call') {
      problems.push(`the request method ${message.method} arrived as a notification (no id): ${JSON.stringify(message).slice(0, 200)}`);
    }
    if (message.method !== 'tools/call') continue;
    if (message.params?.name === 'get_status') getStatusCalls++;
    const marker = markerOf(message);
    const origin = typeof marker === 'string' ? sent.get(marker) : undefined;
    if (!origin) {
      problems.push(`a tools/call the fuzzer never sent reached the upstream: ${JSON.stringify(message).slice(0, 200)}`);
      continue;
    }
    const key = marker as string;
    arrivals.set(key, (arrivals.get(key) ?? 0) + 1);
    const why = mustNotReach(origin, key);
    if (why) problems.push(`${key} (${origin.family}: ${origin.what}) reached the upstream although ${why}: ${origin.text.slice(0, 200)}`);
  }
  for (const [marker, count] of arrivals) {
    if (count > 1) problems.push(`${marker} reached the upstream ${count} times`);
  }
  for (const item of sent.values()) {
    if (item.mustReach && arrivals.get(item.marker) !== 1) problems.push(`${item.marker} (${item.family}: ${item.what}), a well-formed allowed call, reached the upstream ${arrivals.get(item.marker) ?? 0} times instead of once`);
  }
  if (getStatusCalls > GET_STATUS_LIMIT) problems.push(`get_status reached the upstream ${getStatusCalls} times; its rate limit allows ${GET_STATUS_LIMIT}`);
  return problems;
}
