import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, type InboundRequest } from '../../src/protocol/request-codec.js';

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

/** A well-formed 2026 request, with its headers; `headers` entries set to undefined are removed. */
function modern(method: string, params: Record<string, unknown> = {}, headers: Record<string, string | undefined> = {}, id: number | null = 7): InboundRequest {
  const name = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
  const all: Record<string, string | undefined> = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name !== undefined ? { 'mcp-name': name } : {}), ...headers };
  for (const key of Object.keys(all)) if (all[key] === undefined) delete all[key];
  return { method: 'POST', headers: all, body: { jsonrpc: '2.0', ...(id !== null ? { id } : {}), method, params: { _meta: { ...META }, ...params } } };
}

function legacy(body: unknown, headers: Record<string, string> = {}, method = 'POST'): InboundRequest {
  return { method, headers, body };
}

test('2025 traffic is left to the 2025 edge', () => {
  const cases: Array<[string, InboundRequest]> = [
    ['initialize', legacy({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {} } })],
    ['a session request', legacy({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': 's', 'mcp-protocol-version': '2025-11-25' })],
    ['a posted response', legacy({ jsonrpc: '2.0', id: 3, result: {} }, { 'mcp-session-id': 's' })],
    ['a batch', legacy([{ jsonrpc: '2.0', id: 4, method: 'ping' }])],
    ['a 2025 notification', legacy({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-protocol-version': '2025-11-25' })],
    ['GET with a session', legacy(undefined, { 'mcp-session-id': 's' }, 'GET')],
    ['DELETE with a 2025 header', legacy(undefined, { 'mcp-session-id': 's', 'mcp-protocol-version': '2025-11-25' }, 'DELETE')],
    ['initialize whose stray claim names 2025', legacy({ jsonrpc: '2.0', id: 5, method: 'initialize', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2025-11-25', 'io.modelcontextprotocol/clientCapabilities': {} } } })],
  ];
  for (const [name, request] of cases) assert.deepEqual(classify(request), { generation: '2025' }, name);
});

test('a well-formed 2026 request is handed on with its envelope and Mcp-Param headers', () => {
  const request = modern('tools/call', { name: 'execute_sql', arguments: { region: 'us-west1' } }, { 'mcp-param-region': 'us-west1', 'mcp-param-unknown': 'kept as is' });
  (request.body as { params: { _meta: Record<string, unknown> } }).params._meta = {
    ...META,
    'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' },
    'io.modelcontextprotocol/logLevel': 'info',
  };
  const classified = classify(request);
  assert.equal(classified.generation, '2026');
  assert.ok(classified.generation === '2026' && classified.kind === 'request');
  assert.deepEqual(classified.envelope, { protocolVersion: '2026-07-28', clientCapabilities: {}, clientInfo: { name: 'c', version: '1' }, logLevel: 'info' });
  assert.deepEqual(classified.paramHeaders, { 'mcp-param-region': 'us-west1', 'mcp-param-unknown': 'kept as is' });
  assert.equal(classified.request.id, 7);
});

test('a header that agrees with the body is accepted in any letter case of its name, with surrounding whitespace, or Base64-encoded', () => {
  const cases: Array<[string, InboundRequest]> = [
    ['whitespace around values', modern('tools/call', { name: 'echo' }, { 'mcp-method': '  tools/call\t', 'mcp-name': ' echo ' })],
    ['a Base64 name', modern('tools/call', { name: 'héllo wörld' }, { 'mcp-name': `=?base64?${Buffer.from('héllo wörld').toString('base64')}?=` })],
    ['a resource URI', modern('resources/read', { uri: 'file:///a b' })],
    ['a body without the named field leaves Mcp-Name optional', modern('tools/call', {}, { 'mcp-name': undefined })],
  ];
  for (const [name, request] of cases) {
    const classified = classify(request);
    assert.ok(classified.generation === '2026' && classified.kind === 'request', `${name}: ${JSON.stringify(classified)}`);
  }
});

test('malformed 2026 requests are refused before anything acts on them', () => {
  const withMeta = (meta: Record<string, unknown>, headers: Record<string, string | undefined> = {}) => {
    const request = modern('tools/list', {}, headers);
    (request.body as { params: Record<string, unknown> }).params._meta = meta;
    return request;
  };
  const cases: Array<[name: string, request: InboundRequest, status: number, code: number, message: RegExp]> = [
    ['_meta missing, 2026 header', legacy({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: {} }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' }), 400, -32602, /lacks _meta/],
    ['protocolVersion missing', withMeta({ 'io.modelcontextprotocol/clientCapabilities': {} }), 400, -32602, /lacks io\.modelcontextprotocol\/protocolVersion/],
    ['clientCapabilities missing', withMeta({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28' }), 400, -32602, /clientCapabilities"\] is required/],
    ['clientCapabilities not an object', withMeta({ ...META, 'io.modelcontextprotocol/clientCapabilities': [] }), 400, -32602, /must be an object/],
    ['clientInfo without a version', withMeta({ ...META, 'io.modelcontextprotocol/clientInfo': { name: 'x' } }), 400, -32602, /clientInfo/],
    ['an unknown log level', withMeta({ ...META, 'io.modelcontextprotocol/logLevel': 'loud' }), 400, -32602, /logLevel/],
    ['protocolVersion not a string', withMeta({ ...META, 'io.modelcontextprotocol/protocolVersion': 2026 }), 400, -32602, /protocolVersion/],
    ['an unsupported revision', withMeta({ ...META, 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' }, { 'mcp-protocol-version': 'v999.0.0' }), 400, -32022, /Unsupported protocol version: v999\.0\.0/],
    ['a 2025 revision claimed per request', withMeta({ ...META, 'io.modelcontextprotocol/protocolVersion': '2025-11-25' }, { 'mcp-protocol-version': '2025-11-25' }), 400, -32022, /2025-11-25/],
    ['version header disagrees', withMeta({ ...META, 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' }), 400, -32020, /MCP-Protocol-Version header says 2026-07-28/],
    ['version header missing', modern('tools/list', {}, { 'mcp-protocol-version': undefined }), 400, -32020, /MCP-Protocol-Version header is required/],
    ['method header missing', modern('tools/list', {}, { 'mcp-method': undefined }), 400, -32020, /Mcp-Method header is required/],
    ['method header disagrees', modern('tools/list', {}, { 'mcp-method': 'prompts/list' }), 400, -32020, /says prompts\/list/],
    ['method header differs in case', modern('tools/list', {}, { 'mcp-method': 'TOOLS/LIST' }), 400, -32020, /says TOOLS\/LIST/],
    ['name header missing', modern('tools/call', { name: 'delete_all' }, { 'mcp-name': undefined }), 400, -32020, /Mcp-Name header is required/],
    ['name header names another tool', modern('tools/call', { name: 'delete_all' }, { 'mcp-name': 'read_file' }), 400, -32020, /says "read_file" but params.name is "delete_all"/],
    ['name header names another prompt', modern('prompts/get', { name: 'a' }, { 'mcp-name': 'b' }), 400, -32020, /params.name/],
    ['name header names another resource', modern('resources/read', { uri: 'file:///a' }, { 'mcp-name': 'file:///b' }), 400, -32020, /params.uri/],
    ['name header with broken Base64', modern('tools/call', { name: 'x' }, { 'mcp-name': '=?base64?not base64!?=' }), 400, -32020, /not valid Base64/],
    ['name header Base64 of another name', modern('tools/call', { name: 'read_file' }, { 'mcp-name': `=?base64?${Buffer.from('delete_all').toString('base64')}?=` }), 400, -32020, /"delete_all"/],
    ['initialize with a 2026 header', legacy({ jsonrpc: '2.0', id: 9, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {} } }, { 'mcp-protocol-version': '2026-07-28' }), 400, -32020, /initialize/],
    ['GET naming 2026', legacy(undefined, { 'mcp-protocol-version': '2026-07-28' }, 'GET'), 405, -32600, /GET is not part of MCP 2026-07-28/],
    ['DELETE naming 2026', legacy(undefined, { 'mcp-protocol-version': '2026-07-28' }, 'DELETE'), 405, -32600, /DELETE/],
  ];
  for (const [name, request, status, code, message] of cases) {
    const classified = classify(request);
    assert.ok(classified.generation === '2026' && classified.kind === 'refused', `${name}: ${JSON.stringify(classified)}`);
    assert.equal(classified.status, status, name);
    assert.equal(classified.error.error.code, code, name);
    assert.match(classified.error.error.message, message, name);
    const id = (request.body as { id?: unknown } | undefined)?.id;
    assert.equal(classified.error.id, id ?? null, `${name}: the error carries the request's id`);
  }
});

test('an unsupported revision names the revisions a toolgate URL serves and echoes the one asked for', () => {
  const request = modern('server/discover', {}, { 'mcp-protocol-version': '2099-01-01' });
  (request.body as { params: { _meta: Record<string, unknown> } }).params._meta['io.modelcontextprotocol/protocolVersion'] = '2099-01-01';
  const classified = classify(request);
  assert.ok(classified.generation === '2026' && classified.kind === 'refused');
  assert.deepEqual(classified.error.error.data, { supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'], requested: '2099-01-01' });
});

test('a 2026 notification is recognised as one', () => {
  const classified = classify(modern('notifications/cancelled', { requestId: 1 }, {}, null));
  assert.ok(classified.generation === '2026' && classified.kind === 'notification');
});

test('hostile shapes never throw: 5,000 seeded random bodies and headers each get a generation or a refusal', () => {
  let seed = 2026;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const atoms: unknown[] = [null, true, 0, -1, 1e308, '', 'tools/call', '2026-07-28', '=?base64?', [], {}, { __proto__: { x: 1 } }, 'constructor', '__proto__'];
  const value = (depth: number): unknown => {
    const roll = random();
    if (depth > 3 || roll < 0.4) return pick(atoms);
    if (roll < 0.6) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
    const object: Record<string, unknown> = {};
    const keys = ['jsonrpc', 'id', 'method', 'params', '_meta', 'name', 'uri', 'arguments', 'requestState', 'inputResponses', 'io.modelcontextprotocol/protocolVersion', 'io.modelcontextprotocol/clientCapabilities', 'io.modelcontextprotocol/clientInfo', 'io.modelcontextprotocol/logLevel', 'constructor'];
    for (let i = Math.floor(random() * 5); i > 0; i--) object[pick(keys)] = value(depth + 1);
    return object;
  };
  const headerValues = [undefined, '', ' ', '2026-07-28', '2025-11-25', 'tools/call', 'x', '=?base64?AAAA?=', '=?base64?@@?=', ['a', 'b']];
  for (let i = 0; i < 5000; i++) {
    const body = random() < 0.7 ? { jsonrpc: '2.0', id: pick([1, 'a', null, undefined]), method: pick(['tools/call', 'tools/list', 'initialize', 'server/discover', 'constructor', '']), params: value(0) } : value(0);
    const headers = {
      'mcp-protocol-version': pick(headerValues),
      'mcp-method': pick(headerValues),
      'mcp-name': pick(headerValues),
      'mcp-session-id': pick([undefined, 's']),
      'mcp-param-x': pick(headerValues),
    } as Record<string, string | string[] | undefined>;
    const classified = classify({ method: pick(['POST', 'POST', 'POST', 'GET', 'DELETE']), headers, body });
    assert.ok(classified.generation === '2025' || ['request', 'notification', 'refused'].includes(classified.kind), JSON.stringify(classified));
    if (classified.generation === '2026' && classified.kind === 'refused') assert.ok([400, 405].includes(classified.status));
  }
});
