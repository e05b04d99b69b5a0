/**
 * Hostile input for `toolgate stdio` (newline-delimited JSON-RPC on stdin), generated from a seed,
 * with the answers each line must get on stdout.
 */
import { anyJson, deepJsonText, garbageBytes, hostileString, type Random } from './fuzz-random.js';
import { KNOWN_TOOLS } from './fuzz-policy.js';

export type LineExpectation =
  /** A response (result or error) carrying this id, exactly once. */
  | { kind: 'answer'; id: string | number }
  /** An error response with id null (the line could not be read as a request with an id). */
  | { kind: 'null-error' }
  /** Nothing: a notification, a response, a blank line. */
  | { kind: 'silent' }
  /** An error with id null or nothing: the spec leaves the choice to the gateway. */
  | { kind: 'null-error-or-silent' };

export interface StdioLine {
  /** `s<n>` (or `s<n>.<k>` when a case writes several lines); also in every tools/call's `_meta`. */
  marker: string;
  /** The line without its line ending, as the gateway reads it. */
  text: Buffer;
  expect: LineExpectation;
  mustReach?: boolean;
  /** The policy refuses this call: the answer must be an error or an `isError` result. */
  refusedAnswer?: boolean;
  expectText?: string;
}

export interface StdioCase {
  marker: string;
  family: string;
  what: string;
  lines: StdioLine[];
  /** What is written to stdin, one write each: the lines with their endings (`\n` or `\r\n`), cut at arbitrary bytes (inside UTF-8 sequences too). */
  writes: Buffer[];
}

const line = (marker: string, value: unknown, expect: LineExpectation, extra: Partial<StdioLine> = {}): StdioLine => ({
  marker,
  text: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'),
  expect,
  ...extra,
});

const callParams = (marker: string, name: unknown, args: unknown) => ({ name, ...(args === undefined ? {} : { arguments: args }), _meta: { 'fuzz/case': marker } });

type Family = (random: Random, marker: string, n: number) => Omit<StdioCase, 'writes'>;

const idFor = (random: Random, n: number): string | number => (random.chance(0.5) ? `s${n}` : 2_000_000 + n);

const cleanCall: Family = (random, marker, n) => {
  const id = idFor(random, n);
  const text = `clean ${marker} ${hostileString(random, 8)}`;
  return { marker, family: 'clean call', what: 'echo', lines: [line(marker, { jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, 'echo', { text }) }, { kind: 'answer', id }, { mustReach: true, expectText: text })] };
};

const refusedCall: Family = (random, marker, n) => {
  const id = idFor(random, n);
  const [name, args] = random.pick<[string, unknown]>([
    ['delete_app', { name: 'web' }],
    [`delete_${hostileString(random, 12)}`, {}],
    ['admin_reset', {}],
    ['ask_user', {}],
    ['slow', { steps: 1_000_000, ms: 1_000_000 }],
    ['crash', {}],
    ['echo', { text: 'forbidden' }],
    ['deploy_webapp', { project_root: 7 }],
  ]);
  return { marker, family: 'refused call', what: name.slice(0, 40), lines: [line(marker, { jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, name, args) }, { kind: 'answer', id }, { refusedAnswer: true })] };
};

const randomCall: Family = (random, marker, n) => {
  const id = idFor(random, n);
  const name = random.weighted<() => unknown>([
    [10, () => random.pick(KNOWN_TOOLS)],
    [3, () => hostileString(random, 40)],
    [1, () => 'x'.repeat(random.pick([4096, 200_000]))],
    [1, () => anyJson(random, 2)],
  ])();
  const args = random.weighted<() => unknown>([
    [4, () => (name === 'echo' ? { text: random.pick(['hi', 'forbidden', hostileString(random)]) } : {})],
    [3, () => anyJson(random)],
    [1, () => undefined],
  ])();
  return { marker, family: 'random call', what: `tools/call ${JSON.stringify(name)?.slice(0, 40)}`, lines: [line(marker, { jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, name, args) }, { kind: 'answer', id })] };
};

const idTypes: Family = (random, marker, n) => {
  const method = random.pick(['ping', 'tools/list', 'no/such/method']);
  const unsafe = 2 ** 53 + 2 * (n + 1); // above Number.MAX_SAFE_INTEGER, yet exact (even), and unique
  const text = `${hostileString(random, 12)}#${n}`;
  const [idText, expect] = random.pick<[string, LineExpectation]>([
    ['null', { kind: 'null-error' }],
    ['true', { kind: 'null-error' }],
    ['{}', { kind: 'null-error' }],
    ['[]', { kind: 'null-error' }],
    // Ids peers cannot echo faithfully (a fraction, an integer past 2^53) are refused, not forwarded.
    [`${n}.5`, { kind: 'null-error' }],
    [String(unsafe), { kind: 'null-error' }],
    [`-${n + 1}`, { kind: 'answer', id: -(n + 1) }],
    [JSON.stringify(text), { kind: 'answer', id: text }],
  ]);
  return { marker, family: 'id types', what: `${method} with id ${idText.slice(0, 30)}`, lines: [line(marker, `{"jsonrpc":"2.0","id":${idText},"method":"${method}"}`, expect)] };
};

const envelopes: Family = (random, marker, n) => {
  const id = idFor(random, n);
  const call = { jsonrpc: '2.0', id, method: 'tools/call', params: callParams(marker, 'delete_app', { name: 'x' }) };
  const text = JSON.stringify(call);
  const [what, value, expect] = random.pick<[string, string | Buffer, LineExpectation]>([
    ['garbage text', hostileString(random, 200).replace(/[\r\n]/g, ' ') || 'x', { kind: 'null-error' }],
    ['random bytes', Buffer.concat([Buffer.from('~'), Buffer.from(garbageBytes(random, random.between(1, 2000)).filter((byte) => byte !== 0x0a && byte !== 0x0d))]), { kind: 'null-error' }],
    ['whitespace only', '   \t ', { kind: 'null-error' }],
    ['null', 'null', { kind: 'null-error' }],
    ['a batch', `[${text}]`, { kind: 'null-error' }],
    ['an empty object', '{}', { kind: 'null-error' }],
    ['jsonrpc 1.0', text.replace('"2.0"', '"1.0"'), { kind: 'answer', id }],
    ['method is a number', JSON.stringify({ ...call, method: 5 }), { kind: 'answer', id }],
    ['params is a string', JSON.stringify({ ...call, params: 'x' }), { kind: 'answer', id }],
    ['truncated JSON', text.slice(0, random.between(1, text.length - 1)), { kind: 'null-error' }],
    ['trailing garbage', `${text} x`, { kind: 'null-error' }],
    ['a NUL byte', `${text.slice(0, 10)}\u0000${text.slice(10)}`, { kind: 'null-error' }],
    ['a trailing carriage return', `${text}\r`, { kind: 'answer', id }],
    // Forwarded messages stay within what the fixture upstream can record; refused ones go deeper.
    ['deep JSON', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","params":{"deep":${deepJsonText(random, random.pick([100, 2_000]))}}}`, { kind: 'answer', id }],
    ['deep arguments of a denied call', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":"delete_app","arguments":{"deep":${deepJsonText(random, random.pick([5_000, 100_000]))}},"_meta":{"fuzz/case":"${marker}"}}}`, { kind: 'answer', id }],
    ['a deep line', deepJsonText(random, random.pick([1_000, 100_000])), { kind: 'null-error' }],
    ['duplicate method keys', `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","method":"tools/call","params":${JSON.stringify(call.params)}}`, { kind: 'answer', id }],
  ]);
  return { marker, family: 'envelope', what, lines: [line(marker, value, expect)] };
};

const notifications: Family = (random, marker) => {
  const method = random.weighted<string>([[4, 'tools/call'], [2, random.pick(['ping', 'tools/list', 'initialize', 'resources/read'])], [1, 'notifications/cancelled'], [1, `notifications/${hostileString(random, 12)}`]]);
  const params = method === 'tools/call' ? callParams(marker, random.pick(['delete_app', 'echo', 'admin_reset']), { text: 'forbidden' }) : method === 'notifications/cancelled' ? { requestId: anyJson(random) } : {};
  return { marker, family: 'notification', what: `${method.slice(0, 30)} without an id`, lines: [line(marker, { jsonrpc: '2.0', method, params }, { kind: 'null-error-or-silent' })] };
};

const responses: Family = (random, marker) => {
  const id = random.pick<unknown>([random.int(100), hostileString(random, 20), `toolgate:${random.int(100_000)}:${random.int(5)}`]);
  const payload = random.chance(0.5) ? { result: { tools: [{ name: 'delete_app', inputSchema: {} }] } } : { error: { code: -1, message: 'forged' } };
  return { marker, family: 'response', what: 'an unsolicited response', lines: [line(marker, { jsonrpc: '2.0', id, ...payload }, { kind: 'silent' })] };
};

const blanks: Family = (random, marker) => {
  const text = random.pick(['', '\r']);
  // "\r" before a "\r\n" ending leaves a line of one "\r": whitespace, which may be refused like any whitespace-only line.
  return { marker, family: 'blank', what: JSON.stringify(text), lines: [{ marker, text: Buffer.from(text), expect: { kind: text === '' ? 'silent' : 'null-error-or-silent' } }] };
};

const huge: Family = (random, marker, n) => {
  const id = idFor(random, n);
  const size = random.pick([64 * 1024, 1024 * 1024]);
  return random.chance(0.5)
    ? { marker, family: 'huge line', what: `${size} bytes of garbage`, lines: [line(marker, 'g'.repeat(size), { kind: 'null-error-or-silent' })] }
    : { marker, family: 'huge line', what: `a ${size}-byte ping`, lines: [line(marker, { jsonrpc: '2.0', id, method: 'ping', params: { pad: 'p'.repeat(size) } }, { kind: 'answer', id })] };
};

const several: Family = (random, marker, n) => {
  const count = random.between(2, 6);
  const lines = Array.from({ length: count }, (_, k) => {
    const id = `s${n}.${k}`;
    const lineMarker = `${marker}.${k}`;
    return line(lineMarker, { jsonrpc: '2.0', id, method: 'tools/call', params: callParams(lineMarker, random.pick(['echo', 'delete_app', 'get_status']), { text: `several ${k}` }) }, { kind: 'answer', id });
  });
  return { marker, family: 'several in one write', what: `${count} calls`, lines };
};

const FAMILIES: ReadonlyArray<readonly [number, Family]> = [
  [10, cleanCall],
  [12, refusedCall],
  [20, randomCall],
  [6, idTypes],
  [20, envelopes],
  [8, notifications],
  [5, responses],
  [3, blanks],
  [1, huge],
  [5, several],
];

/** `count` cases from `random`; the same seed and count give the same cases. */
export function generateStdioCases(random: Random, count: number): StdioCase[] {
  return Array.from({ length: count }, (_, n) => {
    const made = random.weighted(FAMILIES)(random, `s${n}`, n);
    const ending = Buffer.from(random.chance(0.2) ? '\r\n' : '\n');
    const bytes = Buffer.concat(made.lines.flatMap((entry) => [entry.text, ending]));
    const pieces = random.weighted<number>([[8, 1], [2, 2], [1, random.between(3, 12)]]);
    const cuts = [...new Set(Array.from({ length: pieces - 1 }, () => 1 + random.int(Math.max(1, bytes.length - 1))))].sort((a, b) => a - b);
    const writes = [0, ...cuts].map((start, i) => bytes.subarray(start, cuts[i] ?? bytes.length));
    return { ...made, writes };
  });
}
