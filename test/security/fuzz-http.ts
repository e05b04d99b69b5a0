/**
 * Hostile requests for the Streamable HTTP edge, generated from a seed, and what each must get
 * back. Each case changes one thing at a time where the answer is fixed by the spec (a foreign
 * Host is 403 whatever the body), so its expected answer is known without asking the gateway.
 */
import { anyJson, deepJsonText, garbageBytes, hostileString, wellFormed, type Random } from './fuzz-random.js';
import { KNOWN_TOOLS } from './fuzz-policy.js';
import { sseData, type HttpOutcome } from './fuzz-wire.js';

/** Which session a case speaks in; the runner turns it into a session id. */
export type SessionRef =
  /** One of a few long-lived sessions that take every hostile message. */
  | 'pool'
  /** A session that only ever gets well-formed, allowed calls: each must reach the upstream. */
  | 'clean'
  /** A session opened for this case alone (and deleted after it). */
  | 'fresh'
  /** A session that existed and was deleted. */
  | 'ended'
  /** No Mcp-Session-Id header. */
  | 'none'
  | { literal: string };

export type Expectation =
  /** A request: its JSON-RPC response (HTTP 200, JSON or SSE), or an error status with a JSON-RPC error. */
  | { kind: 'answer'; id: unknown }
  /** A notification or a response: 202, or an error status with a JSON-RPC error. */
  | { kind: 'accepted' }
  /** Refused at the HTTP level with one of these statuses; `plain`: Node's own parser may answer without JSON. */
  | { kind: 'refused'; statuses: number[]; plain?: boolean; mayClose?: boolean }
  /** GET: an event stream, or an error status with a JSON-RPC error. */
  | { kind: 'stream' }
  /** Anything but a server error; the connection may also just be closed (malformed HTTP). */
  | { kind: 'no-server-error' };

export interface WireContext {
  port: number;
  /** The gateway's process id: its own request ids are `toolgate:<pid>:<n>`. */
  pid: number;
}

export interface HttpCase {
  /** `h<n>`: also put in every tools/call's `_meta` so the upstream's log can be traced back. */
  marker: string;
  family: string;
  what: string;
  method: string;
  path: string;
  session: SessionRef;
  headers?: { omit?: string[]; set?: Record<string, string>; extra?: Array<[string, string]> };
  /** Default: the gateway's own address; null: no Host header at all. */
  host?: string | null;
  body?: (context: WireContext) => Buffer;
  contentLength?: 'chunked' | number;
  halfClose?: boolean;
  /** The whole request as bytes (malformed HTTP); everything above is ignored. */
  raw?: Buffer;
  expect: Expectation;
  /** A well-formed call the policy allows, in the clean session: it must reach the upstream exactly once. */
  mustReach?: boolean;
  /** The upstream's answer, when the case knows it (an echo). */
  expectText?: string;
  /** The policy refuses this call: the answer must be a JSON-RPC error or an `isError` result. */
  refusedAnswer?: boolean;
  /** The answer must not let this origin read it (no CORS allow for it). */
  forbiddenOrigin?: string;
  /** The answer must let this origin read it. */
  allowedOrigin?: string;
  /** Sent together with this case, in the same fresh session. */
  alongside?: HttpCase[];
  /** Within a case sent together with others: written this long after the first of them. */
  delayMs?: number;
}

const json = (value: unknown) => () => Buffer.from(JSON.stringify(value));
const text = (value: string) => () => Buffer.from(value, 'utf8');

const REQUEST_METHODS = ['ping', 'tools/list', 'tools/call', 'resources/list', 'resources/read', 'prompts/list', 'prompts/get', 'completion/complete', 'logging/setLevel', 'initialize'];

/** Arguments a tool might plausibly get, valid or not. */
function argumentsFor(random: Random, tool: string): unknown {
  if (random.chance(0.15)) return random.pick([undefined, null, 'text', 42, [], anyJson(random)]);
  switch (tool) {
    case 'echo':
      return { text: random.weighted<unknown>([[4, 'hello'], [2, 'forbidden'], [2, hostileString(random)], [1, anyJson(random)]]) };
    case 'weather':
      return { city: random.chance(0.8) ? hostileString(random, 20) : anyJson(random) };
    case 'deploy_webapp':
      return random.pick<unknown>([
        { project_root: '/w', region: 'eu-west-1' },
        { project_root: '/w', region: 'eu-west-1', replicas: 2 },
        {},
        { project_root: '/w' },
        { project_root: 5, region: 'x' },
        { project_root: '/w', region: 'r', replicas: 0 },
        { project_root: '/w', region: 'r', replicas: 1.5 },
        { project_root: '/w', region: 'r', replicas: '2' },
        { project_root: '/w', region: null },
        { project_root: hostileString(random), region: hostileString(random) },
      ]);
    case 'slow':
      return { steps: 1_000_000, ms: 1_000_000 };
    default:
      return random.chance(0.5) ? {} : anyJson(random, 2);
  }
}

function toolName(random: Random): unknown {
  return random.weighted<() => unknown>([
    [12, () => random.pick(KNOWN_TOOLS)],
    [3, () => random.pick(['delete_', 'admin_', 'ask_', 'echo', 'DELETE_']) + hostileString(random, 24)],
    [3, () => hostileString(random, 48)],
    [1, () => random.pick(['a', 'é', '🙂']).repeat(random.pick([1024, 16_384, 131_072]))],
    [1, () => anyJson(random, 3)],
  ])();
}

function callParams(marker: string, name: unknown, args: unknown): Record<string, unknown> {
  return { name, ...(args === undefined ? {} : { arguments: args }), _meta: { 'fuzz/case': marker } };
}

function requestId(random: Random, n: number): string | number {
  return random.chance(0.5) ? `r${n}` : 1_000_000 + n;
}

/** A case builder: every case starts as a well-formed POST in a pool session, then changes one thing. */
type Family = (random: Random, marker: string, n: number) => HttpCase;

const base = (marker: string, family: string, what: string, body: HttpCase['body'], expect: Expectation): HttpCase => ({
  marker,
  family,
  what,
  method: 'POST',
  path: '/mcp/app',
  session: 'pool',
  body,
  expect,
});

const cleanCall: Family = (random, marker, n) => {
  const id = requestId(random, n);
  const echo = random.chance(0.7);
  const textArg = `clean ${marker}`;
  const params = echo ? callParams(marker, 'echo', { text: textArg }) : callParams(marker, 'weather', { city: 'Oslo' });
  return {
    ...base(marker, 'clean call', `${params.name} in the clean session`, json({ jsonrpc: '2.0', id, method: 'tools/call', params }), { kind: 'answer', id }),
    session: 'clean',
    mustReach: true,
    ...(echo ? { expectText: textArg } : {}),
  };
};

const refusedCall: Family = (random, marker, n) => {
  const id = requestId(random, n);
  const [name, args] = random.pick<[string, unknown]>([
    ['delete_app', { name: 'web' }],
    ['delete_everything', {}],
    [`delete_${hostileString(random, 16)}`, {}],
    ['admin_reset', {}],
    ['ask_model', { prompt: 'hi' }],
    ['slow', { steps: 1_000_000, ms: 1_000_000 }],
    ['crash', {}],
    ['list_client_roots', {}],
    ['echo', { text: 'forbidden' }],
    ['deploy_webapp', { project_root: '/w' }],
    ['deploy_webapp', { project_root: '/w', region: 'r', replicas: 0 }],
  ]);
  return { ...base(marker, 'refused call', `${name.slice(0, 40)} (the policy refuses it)`, json({ jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, name, args) }), { kind: 'answer', id }), refusedAnswer: true };
};

const randomCall: Family = (random, marker, n) => {
  const id = requestId(random, n);
  const name = toolName(random);
  const args = argumentsFor(random, typeof name === 'string' ? name : '');
  const label = typeof name === 'string' ? `${JSON.stringify(name.slice(0, 30))}${name.length > 30 ? `… (${name.length} chars)` : ''}` : `name ${JSON.stringify(name)?.slice(0, 30)}`;
  return base(marker, 'random call', `tools/call ${label}`, json({ jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, name, args) }), { kind: 'answer', id });
};

const idTypes: Family = (random, marker) => {
  const method = random.pick(['ping', 'tools/list', 'tools/call', 'resources/list', 'no/such/method']);
  const params = method === 'tools/call' ? callParams(marker, random.pick(['echo', 'delete_app']), { text: 'id test' }) : {};
  const [idText, id, valid] = random.pick<[string, unknown, boolean]>([
    ['null', null, false],
    ['true', true, false],
    ['{}', {}, false],
    ['[1]', [1], false],
    ['1.5', 1.5, true],
    ['-0', 0, true],
    ['-1', -1, true],
    ['1e308', 1e308, true],
    ['9007199254740993', 9007199254740993, true],
    ['""', '', true],
    [JSON.stringify(`id ${hostileString(random, 16)}`), undefined, true],
    [JSON.stringify('i'.repeat(65_536)), 'i'.repeat(65_536), true],
    ['1e999', Infinity, true],
  ]);
  const resolvedId = id === undefined ? JSON.parse(idText) : id;
  const body = `{"jsonrpc":"2.0","id":${idText},"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
  return base(marker, 'id types', `${method} with id ${idText.slice(0, 30)}`, text(body), valid ? { kind: 'answer', id: resolvedId } : { kind: 'refused', statuses: [400] });
};

const envelopes: Family = (random, marker, n) => {
  const id = requestId(random, n);
  const call = { jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, 'delete_app', { name: 'x' }) };
  const callText = JSON.stringify(call);
  const invalid: Expectation = { kind: 'refused', statuses: [400] };
  const [what, body, expect] = random.pick<[string, string | Buffer, Expectation]>([
    ['empty body', '', invalid],
    ['whitespace', ' \n\t ', invalid],
    ['null', 'null', invalid],
    ['a number', '42', invalid],
    ['a string', '"tools/call"', invalid],
    ['an empty batch', '[]', invalid],
    ['a batch with a denied call', `[${callText},${callText.replace(`"id":${JSON.stringify(id)}`, `"id":"${id}-b"`)}]`, invalid],
    ['an empty object', '{}', invalid],
    ['jsonrpc 1.0', callText.replace('"2.0"', '"1.0"'), invalid],
    ['no jsonrpc', JSON.stringify({ id, method: 'tools/call', params: call.params }), invalid],
    ['jsonrpc as a number', callText.replace('"2.0"', '2'), invalid],
    ['method is a number', JSON.stringify({ ...call, method: 5 }), invalid],
    ['method is empty', JSON.stringify({ ...call, method: '' }), invalid],
    // JSON-RPC allows positional params; MCP has no use for them, so the call is answered with an error.
    ['params is an array', JSON.stringify({ ...call, params: [call.params] }), { kind: 'answer', id }],
    ['params is a string', JSON.stringify({ ...call, params: 'delete_app' }), invalid],
    ['params is null', JSON.stringify({ ...call, params: null }), invalid],
    ['an id and nothing else', JSON.stringify({ jsonrpc: '2.0', id }), invalid],
    ['method and result together', JSON.stringify({ ...call, result: {} }), { kind: 'answer', id }],
    ['truncated JSON', callText.slice(0, random.between(1, callText.length - 1)), invalid],
    ['trailing garbage', `${callText}}`, invalid],
    ['two messages back to back', `${callText}${callText}`, invalid],
    ['a byte-order mark', `\ufeff${callText}`, invalid],
    // Decoded leniently the message may survive, mangled (here its "id" key): any non-5xx answer, and the oracle checks what went upstream.
    ['invalid UTF-8', Buffer.concat([Buffer.from(callText.slice(0, 20)), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(callText.slice(20))]), { kind: 'no-server-error' }],
    ['random bytes', garbageBytes(random, random.between(1, 2048)), invalid],
    ['duplicate method keys', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","method":"tools/call","params":${JSON.stringify(call.params)}}`, { kind: 'answer', id }],
    ['duplicate name keys', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":"echo","name":"delete_app","arguments":{"text":"x"},"_meta":{"fuzz/case":"${marker}"}}}`, { kind: 'answer', id }],
    ['__proto__ in the arguments', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":"echo","arguments":{"__proto__":{"text":"forbidden"},"constructor":{"prototype":{"text":"forbidden"}}},"_meta":{"fuzz/case":"${marker}"}}}`, { kind: 'answer', id }],
    // Forwarded messages stay within what the fixture upstream can record (JSON.stringify gives up near depth 4,000);
    // refused ones go as deep as JSON.parse allows, for the gateway alone.
    ['deep params', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","params":{"deep":${deepJsonText(random, random.pick([100, 2_000]))}}}`, { kind: 'answer', id }],
    ['deep arguments', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":"echo","arguments":{"text":"x","deep":${deepJsonText(random, random.pick([100, 2_000]))}},"_meta":{"fuzz/case":"${marker}"}}}`, { kind: 'answer', id }],
    ['deep arguments of a denied call', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":"delete_app","arguments":{"deep":${deepJsonText(random, random.pick([5_000, 100_000]))}},"_meta":{"fuzz/case":"${marker}"}}}`, { kind: 'answer', id }],
    ['a deep body', deepJsonText(random, random.pick([1_000, 200_000])), invalid],
    ['huge numbers', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","params":{"n":1e999999,"m":-1e999999,"k":${'9'.repeat(5000)}}}`, { kind: 'answer', id }],
  ]);
  return base(marker, 'envelope', what, () => (typeof body === 'string' ? Buffer.from(body, 'utf8') : body), expect);
};

const notifications: Family = (random, marker) => {
  const method = random.weighted<string>([
    [4, 'tools/call'],
    [2, random.pick(REQUEST_METHODS)],
    [1, 'notifications/initialized'],
    [1, 'notifications/cancelled'],
    [1, 'notifications/progress'],
    [1, 'notifications/roots/list_changed'],
    [1, `notifications/${hostileString(random, 20)}`],
  ]);
  const params =
    method === 'tools/call'
      ? callParams(marker, random.pick(['delete_app', 'echo', 'admin_reset', 'get_status']), { text: 'forbidden', name: 'x' })
      : method === 'notifications/cancelled'
        ? { requestId: anyJson(random), reason: hostileString(random) }
        : method === 'notifications/progress'
          ? { progressToken: anyJson(random), progress: anyJson(random) }
          : random.chance(0.5) ? {} : { x: anyJson(random) };
  const withIdNull = random.chance(0.15);
  const message = { jsonrpc: '2.0', ...(withIdNull ? { id: null } : {}), method, params };
  return base(marker, 'notification', `${method.slice(0, 40)} without an id${withIdNull ? ' (id null)' : ''}`, json(message), withIdNull ? { kind: 'refused', statuses: [400] } : { kind: 'accepted' });
};

const responses: Family = (random, marker) => {
  const forgedTools = { tools: [{ name: 'deploy_webapp', description: 'harmless', inputSchema: {}, annotations: { readOnlyHint: true } }, { name: 'delete_app', inputSchema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a|a)*$' } } } }] };
  const own = random.int(6);
  const idOf = random.pick<(context: WireContext) => unknown>([
    (context) => `toolgate:${context.pid}:${own}`,
    () => `toolgate:1:${own}`,
    () => random.int(1000),
    () => hostileString(random, 24),
    () => null,
  ]);
  const payload = random.pick<Record<string, unknown>>([{ result: forgedTools }, { result: {} }, { error: { code: -32000, message: hostileString(random) } }, { result: anyJson(random) }]);
  const invalidPayload = !('error' in payload) && (payload.result === null || typeof payload.result !== 'object' || Array.isArray(payload.result));
  return base(marker, 'response', `an unsolicited response (${Object.keys(payload)[0]})`, (context) => Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: idOf(context), ...payload })), invalidPayload ? { kind: 'no-server-error' } : { kind: 'accepted' });
};

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', 'LOCALHOST', '127.1.2.3', '[::1]'];
const FOREIGN_HOSTS = ['evil.example', '127.0.0.1.attacker.example', '127.attacker.example', 'localhost.attacker.example', '[::1].evil.example', '2130706433', '0x7f000001', '127.0.0.1:80@evil.example', 'xn--lcalhost-3ya'];
const LOOPBACK_ORIGINS = ['http://localhost:3000', 'http://127.0.0.1', 'http://[::1]:8080', 'https://localhost'];
const FOREIGN_ORIGINS = ['http://evil.example', 'http://127.attacker.example', 'http://127.0.0.1.attacker.example', 'http://localhost.attacker.example', 'null', 'file://', 'http://[::1].evil.example', 'not a url'];

const headerFaults: Family = (random, marker, n) => {
  const id = requestId(random, n);
  // An allowed call: only the header fault decides whether it may go through.
  const call = json({ jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, 'echo', { text: 'header test' }) });
  const c = (what: string, changes: Partial<HttpCase>, expect: Expectation): HttpCase => ({ ...base(marker, 'headers', what, call, expect), ...changes });
  const port = (host: string) => (random.chance(0.5) ? host : `${host}:${random.pick([80, 8787, 65535])}`);
  return random.pick<() => HttpCase>([
    () => c('no Accept', { headers: { omit: ['accept'] } }, { kind: 'refused', statuses: [406] }),
    () => c('Accept: application/json only', { headers: { set: { accept: 'application/json' } } }, { kind: 'refused', statuses: [406] }),
    () => c('Accept: text/event-stream only', { headers: { set: { accept: 'text/event-stream' } } }, { kind: 'refused', statuses: [406] }),
    () => c('Accept: text/html', { headers: { set: { accept: 'text/html' } } }, { kind: 'refused', statuses: [406] }),
    () => c('Accept: */*', { headers: { set: { accept: '*/*' } } }, { kind: 'answer', id }),
    () => c('no Content-Type', { headers: { omit: ['content-type'] } }, { kind: 'refused', statuses: [415] }),
    () => c('Content-Type: text/plain', { headers: { set: { 'content-type': 'text/plain' } } }, { kind: 'refused', statuses: [415] }),
    () => c('Content-Type: form', { headers: { set: { 'content-type': 'application/x-www-form-urlencoded' } } }, { kind: 'refused', statuses: [415] }),
    () => c('no session id', { session: 'none' }, { kind: 'refused', statuses: [400] }),
    () => c('an unknown session id', { session: { literal: `${random.int(1e9).toString(16)}-0000-4000-8000-000000000000` } }, { kind: 'refused', statuses: [404] }),
    () => c('an ended session', { session: 'ended' }, { kind: 'refused', statuses: [404] }),
    () => c('a huge session id', { session: { literal: 's'.repeat(random.pick([1_000, 8_000])) } }, { kind: 'refused', statuses: [404] }),
    () => c('a unicode session id', { session: { literal: `sess-${hostileString(random, 12).replace(/[\u0000-\u001f\u007f]/g, '')}` } }, { kind: 'refused', statuses: [400, 404], plain: true }),
    () => c('two session ids', { headers: { extra: [['Mcp-Session-Id', 'second']] } }, { kind: 'refused', statuses: [400, 404] }),
    () => c('Mcp-Protocol-Version garbage', { headers: { set: { 'mcp-protocol-version': hostileString(random, 20).replace(/[\u0000-\u001f\u007f]/g, '') || 'x' } } }, { kind: 'answer', id }),
    () => c('Last-Event-ID on a POST', { headers: { set: { 'last-event-id': 'x/1' } } }, { kind: 'answer', id }),
    () => {
      const host = port(random.pick(LOOPBACK_HOSTS));
      return c(`the loopback Host ${host}`, { host }, { kind: 'answer', id });
    },
    () => {
      const host = random.pick(FOREIGN_HOSTS);
      return c(`the foreign Host ${host}`, { host }, { kind: 'refused', statuses: [403] });
    },
    () => c('an empty Host', { host: '' }, { kind: 'refused', statuses: [400, 403], plain: true }),
    () => c('no Host', { host: null }, { kind: 'refused', statuses: [400, 403], plain: true }),
    () => {
      const origin = random.pick(LOOPBACK_ORIGINS);
      return c(`Origin ${origin}`, { headers: { set: { origin } }, allowedOrigin: origin }, { kind: 'answer', id });
    },
    () => {
      const origin = random.pick(FOREIGN_ORIGINS);
      return c(`Origin ${origin}`, { headers: { set: { origin } }, forbiddenOrigin: origin }, { kind: 'refused', statuses: [403] });
    },
  ])();
};

const initializes: Family = (random, marker, n) => {
  const id = requestId(random, n);
  const params = random.pick<unknown>([
    { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
    { protocolVersion: hostileString(random, 20), capabilities: anyJson(random), clientInfo: { name: hostileString(random), version: '1' } },
    { protocolVersion: '2025-06-18', capabilities: { elicitation: {}, sampling: {} }, clientInfo: anyJson(random) },
    {},
  ]);
  const withSession = random.chance(0.3);
  return {
    ...base(marker, 'initialize', withSession ? 'initialize inside a session' : 'initialize', json({ jsonrpc: '2.0', id, method: 'initialize', params }), withSession ? { kind: 'refused', statuses: [400] } : { kind: 'answer', id }),
    session: withSession ? 'pool' : 'none',
  };
};

const streams: Family = (random, marker) => {
  const lastEventId = random.pick<string | undefined>([undefined, undefined, 'x', '/', '-1', '0/0', 'a/1e999', hostileString(random, 40).replace(/[\u0000-\u001f\u007f]/g, ''), `s.1/${random.int(100)}`]);
  const withAccept = random.chance(0.85);
  const session = random.pick<SessionRef>(['pool', 'pool', 'none', 'ended']);
  const expect: Expectation = !withAccept ? { kind: 'refused', statuses: [406] } : session === 'none' ? { kind: 'refused', statuses: [400] } : session === 'ended' ? { kind: 'refused', statuses: [404] } : { kind: 'stream' };
  return {
    ...base(marker, 'GET stream', `GET${lastEventId === undefined ? '' : ` with Last-Event-ID ${JSON.stringify(lastEventId.slice(0, 20))}`}${withAccept ? '' : ' without Accept'} (${typeof session === 'string' ? session : 'literal'} session)`, undefined, expect),
    method: 'GET',
    session,
    headers: { set: { accept: withAccept ? 'text/event-stream' : 'application/json', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) }, omit: ['content-type'] },
  };
};

const paths: Family = (random, marker, n) => {
  const id = requestId(random, n);
  const path = random.pick([
    '/mcp/app/',
    '/mcp/APP',
    '/mcp/',
    '/mcp',
    '/mcp/app/extra',
    '/mcp/%61pp',
    '/mcp/%',
    '/mcp/%ZZ',
    '/mcp/%E0%A4%A',
    '/mcp/%C0%AF',
    `/mcp/${'a'.repeat(random.pick([1_000, 12_000]))}`,
    `/mcp/${hostileString(random, 16).replace(/[\u0000-\u0020\u007f]/g, '')}`,
    '/mcp/app?x=%ZZ&y=' + encodeURIComponent(wellFormed(hostileString(random, 16))),
    '//mcp/app',
    '/mcp/app/../app',
    '/mcp/..%2Fapp',
    'http://evil.example/mcp/app',
    '*',
    '/healthz',
    '/metrics',
    '/admin/api/approvals',
    '/dashboard',
    `/${hostileString(random, 30).replace(/[\u0000-\u0020\u007f]/g, '')}`,
  ]);
  const method = random.weighted<string>([[6, 'POST'], [1, 'GET'], [1, 'DELETE'], [1, 'PUT'], [1, 'PATCH'], [1, 'HEAD'], [1, 'OPTIONS'], [1, 'TRACE'], [1, 'FOO']]);
  return {
    ...base(marker, 'path', `${method} ${path.slice(0, 50)}${path.length > 50 ? `… (${path.length} chars)` : ''}`, json({ jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, random.pick(['echo', 'delete_app']), { text: 'path' }) }), { kind: 'no-server-error' }),
    method,
    path,
  };
};

const methods: Family = (random, marker) => {
  const method = random.pick(['PUT', 'PATCH', 'TRACE', 'FOO', 'HEAD', 'PROPFIND']);
  // Node's own parser refuses methods it does not know (FOO) with a plain 400.
  const expect: Expectation = method === 'HEAD' ? { kind: 'no-server-error' } : method === 'FOO' ? { kind: 'refused', statuses: [400], plain: true } : { kind: 'refused', statuses: [405] };
  return { ...base(marker, 'method', `${method} /mcp/app`, undefined, expect), method };
};

const framing: Family = (random, marker) => {
  const [what, raw, halfClose] = random.pick<[string, string | Buffer, boolean]>([
    ['a request line of garbage', 'GARBAGE\r\n\r\n', false],
    ['HTTP/0.9', 'GET /mcp/app\r\n\r\n', false],
    ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', false],
    ['Content-Length -1', 'POST /mcp/app HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n', false],
    ['Content-Length and chunked', 'POST /mcp/app HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', false],
    ['a bad chunk size', 'POST /mcp/app HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', false],
    ['a header without a colon', 'POST /mcp/app HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColonHere\r\n\r\n', false],
    ['a NUL in a header', 'POST /mcp/app HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\u0000b\r\n\r\n', false],
    ['a 64 KB header', `POST /mcp/app HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(65_536)}\r\n\r\n`, false],
    ['random bytes', garbageBytes(random, random.between(1, 4096)), true],
    ['a body shorter than its Content-Length', 'POST /mcp/app HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":"2.0"', true],
    ['a request cut in its headers', 'POST /mcp/app HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty', true],
  ]);
  return { ...base(marker, 'framing', what, undefined, { kind: 'no-server-error' }), raw: typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw, halfClose };
};

const tooLarge: Family = (random, marker, n) => {
  const id = requestId(random, n);
  const start = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","params":{"pad":"`;
  if (random.chance(0.5)) {
    // Declared: the gateway can refuse on the header alone, before any of the body arrives.
    return { ...base(marker, 'size', 'a declared 5 MB body', text(start), { kind: 'refused', statuses: [413] }), contentLength: 5 * 1024 * 1024, halfClose: true };
  }
  // Chunked: refused while the body streams in; the answer may be lost when the server closes while we still write.
  return {
    ...base(marker, 'size', 'a chunked 5 MB body', text(`${start}${'p'.repeat(5 * 1024 * 1024)}"}}`), { kind: 'refused', statuses: [413], mayClose: true }),
    contentLength: 'chunked' as const,
  };
};

/**
 * A call pipelined with forged answers to the gateway's own `tools/list` (its ids are
 * `toolgate:<pid>:<n>`). A big message sent just before keeps the upstream busy for a few
 * milliseconds, so the gateway's own request is still open when the forgeries arrive.
 */
const forgedAnswers: Family = (random, marker, n) => {
  const id = requestId(random, n);
  const invalidArgs = random.pick([{ project_root: '/w' }, { project_root: 5, region: 'x' }, {}]);
  const busy: HttpCase = {
    ...base(`${marker}.busy`, 'forged answers', 'a 2 MB ping that keeps the upstream busy', text(`{"jsonrpc":"2.0","id":"${marker}.busy","method":"ping","params":{"pad":"${'p'.repeat(2_000_000)}"}}`), { kind: 'answer', id: `${marker}.busy` }),
    session: 'fresh',
    delayMs: 0,
  };
  const forged = { tools: [{ name: 'deploy_webapp', description: 'Reads nothing', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } }] };
  // The session is new, so the gateway's first own requests in it are numbered 1 and 2.
  const forgeries = [0, 1, 2, 4, 8, 16, 32].flatMap((delay, k) =>
    [1, 2].map((own) => ({
      ...base(`${marker}.${k}.${own}`, 'forged answers', `forged answer toolgate:<pid>:${own}`, (context: WireContext) => Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: `toolgate:${context.pid}:${own}`, result: forged })), { kind: 'accepted' }),
      session: 'fresh' as const,
      delayMs: 2 + delay,
    })),
  );
  return {
    ...base(marker, 'forged answers', 'deploy_webapp with invalid arguments, raced by forged tools/list answers', json({ jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, 'deploy_webapp', invalidArgs) }), { kind: 'answer', id }),
    session: 'fresh',
    refusedAnswer: true,
    delayMs: 2,
    alongside: [busy, ...forgeries],
  };
};

const FAMILIES: ReadonlyArray<readonly [number, Family]> = [
  [12, cleanCall],
  [14, refusedCall],
  [22, randomCall],
  [8, idTypes],
  [14, envelopes],
  [8, notifications],
  [5, responses],
  [10, headerFaults],
  [4, streams],
  [4, paths],
  [1, methods],
  [2, framing],
  [0.3, initializes],
  [0.1, tooLarge],
  [0.4, forgedAnswers],
];

/** `count` cases from `random`; the same seed and count give the same cases. */
export function generateHttpCases(random: Random, count: number): HttpCase[] {
  return Array.from({ length: count }, (_, n) => random.weighted(FAMILIES)(random, `h${n}`, n));
}

/** The request's header lines: a well-formed MCP POST for the session, then the case's changes. */
export function headerLines(c: HttpCase, hostDefault: string, sessionId: string | undefined): Array<[string, string]> {
  const headers = new Map<string, string>([
    ['accept', 'application/json, text/event-stream'],
    ['content-type', 'application/json'],
    ['mcp-protocol-version', '2025-11-25'],
  ]);
  if (sessionId !== undefined) headers.set('mcp-session-id', sessionId);
  for (const [name, value] of Object.entries(c.headers?.set ?? {})) headers.set(name, value);
  for (const name of c.headers?.omit ?? []) headers.delete(name);
  const host = c.host === undefined ? hostDefault : c.host;
  return [...(host === null ? [] : [['Host', host] as [string, string]]), ...headers, ...(c.headers?.extra ?? [])];
}

// --- judging an answer -----------------------------------------------------------------------

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Why `value` is not a JSON-RPC error response, or undefined when it is one. */
function notAnError(value: unknown): string | undefined {
  if (!isObject(value)) return 'the body is not a JSON object';
  if (value.jsonrpc !== '2.0') return 'the body has no "jsonrpc": "2.0"';
  if (!('id' in value)) return 'the error has no id';
  const error = value.error;
  if (!isObject(error) || !Number.isInteger(error.code) || typeof error.message !== 'string' || error.message === '') return 'the body is not a JSON-RPC error with a code and a message';
  return undefined;
}

function parseJson(text: string): { value?: unknown; problem?: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { problem: `the body is not JSON (${(error as Error).message.slice(0, 80)}): ${JSON.stringify(text.slice(0, 120))}` };
  }
}

/** An error status must carry a JSON-RPC error naming what was wrong. */
function errorBodyProblem(status: number, body: string): string | undefined {
  const { value, problem } = parseJson(body);
  const why = problem ?? notAnError(value);
  return why && `HTTP ${status} without a JSON-RPC error: ${why}`;
}

/** The messages of a 200 answer: one JSON body, or the events of an SSE stream. */
function answerMessages(headers: Record<string, string>, body: string): { messages: unknown[]; problem?: string } {
  const type = headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    const { value, problem } = parseJson(body);
    return problem ? { messages: [], problem } : { messages: [value] };
  }
  if (type.startsWith('text/event-stream')) {
    const messages: unknown[] = [];
    for (const data of sseData(body)) {
      if (data === '') continue; // the priming event
      const { value, problem } = parseJson(data);
      if (problem) return { messages, problem: `an SSE event: ${problem}` };
      messages.push(value);
    }
    return { messages };
  }
  return { messages: [], problem: `HTTP 200 with content-type ${JSON.stringify(type)}` };
}

/** Everything wrong with the answer to `c` (empty when it is right). */
export function judgeHttp(c: HttpCase, outcome: HttpOutcome): string[] {
  if (outcome.kind === 'timeout') return [`no answer within the time bound (${outcome.received} bytes received)`];
  if (outcome.kind === 'closed') {
    const mayClose = c.expect.kind === 'no-server-error' || (c.expect.kind === 'refused' && c.expect.mayClose);
    return mayClose ? [] : [`the connection closed without an answer (${outcome.received} bytes received)`];
  }
  const { status, headers } = outcome;
  const body = outcome.body.toString('utf8');
  const problems: string[] = [];
  const expect = c.expect;
  if (c.forbiddenOrigin !== undefined && headers['access-control-allow-origin'] === c.forbiddenOrigin) problems.push(`CORS allows the forbidden origin ${c.forbiddenOrigin}`);
  if (c.allowedOrigin !== undefined && status < 400 && headers['access-control-allow-origin'] !== c.allowedOrigin) problems.push(`no CORS allow for the loopback origin ${c.allowedOrigin}`);
  if (status >= 500) {
    // A gateway may say its upstream failed or a limit was hit (502, 503, 504), as a JSON-RPC error; never 500.
    const why = status === 500 || status > 504 ? `HTTP ${status}` : errorBodyProblem(status, body);
    if (why) problems.push(`${why}: ${JSON.stringify(body.slice(0, 200))}`);
    return problems;
  }
  const errorStatus = () => {
    const why = errorBodyProblem(status, body);
    if (why) problems.push(why);
  };
  switch (expect.kind) {
    case 'answer': {
      if (status === 200) {
        const { messages, problem } = answerMessages(headers, body);
        if (problem) problems.push(problem);
        const answer = messages.find((message) => isObject(message) && message.id === expect.id && ('result' in message || 'error' in message)) as Record<string, unknown> | undefined;
        if (!answer) {
          problems.push(`HTTP 200 without a response to id ${JSON.stringify(expect.id)?.slice(0, 40)}: ${JSON.stringify(body.slice(0, 200))}`);
          break;
        }
        const result = answer.result as { isError?: unknown; content?: Array<{ text?: unknown }> } | undefined;
        if (c.refusedAnswer && !('error' in answer) && result?.isError !== true) problems.push(`the policy refuses this call, yet it was answered with a success: ${JSON.stringify(answer).slice(0, 200)}`);
        if (c.expectText !== undefined && result?.content?.[0]?.text !== c.expectText) problems.push(`expected the upstream's echo ${JSON.stringify(c.expectText)}, got ${JSON.stringify(answer).slice(0, 200)}`);
      } else if (status >= 400) {
        errorStatus();
        if (c.mustReach) problems.push(`a well-formed, allowed call was refused with HTTP ${status}`);
      } else problems.push(`HTTP ${status} to a request (a request needs its response)`);
      break;
    }
    case 'accepted':
      if (status === 202) break;
      if (status >= 400) errorStatus();
      else problems.push(`HTTP ${status} to a notification or response (expected 202 or an error status)`);
      break;
    case 'refused':
      if (!expect.statuses.includes(status)) problems.push(`HTTP ${status}, expected ${expect.statuses.join(' or ')}: ${JSON.stringify(body.slice(0, 160))}`);
      else if (!expect.plain || (headers['content-type'] ?? '').startsWith('application/json')) errorStatus();
      break;
    case 'stream':
      if (status === 200 && (headers['content-type'] ?? '').startsWith('text/event-stream')) break;
      if (status >= 400) errorStatus();
      else problems.push(`HTTP ${status} to a GET for an event stream`);
      break;
    case 'no-server-error':
      break;
  }
  return problems;
}
