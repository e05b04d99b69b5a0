import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHeaderValue, encodeHeaderValue, headerDeclarations, paramHeaderProblem, paramHeaders } from '../../src/protocol/header-values.js';

const b64 = (text: string) => `=?base64?${Buffer.from(text).toString('base64')}?=`;

test('header values: plain ASCII as is, anything else in the Base64 sentinel form, and back', () => {
  const table: Array<[value: string, encoded: string]> = [
    ['us-west1', 'us-west1'],
    ['Hello, 世界', b64('Hello, 世界')],
    [' padded ', b64(' padded ')],
    ['line1\nline2', b64('line1\nline2')],
    ['=?base64?literal?=', b64('=?base64?literal?=')],
    ['', b64('')],
  ];
  for (const [value, encoded] of table) {
    assert.equal(encodeHeaderValue(value), encoded, value);
    assert.equal(decodeHeaderValue(encoded), value, encoded);
  }
  for (const broken of ['=?base64?@@@?=', '=?base64?YWJj?=x', '=?base64?YWJ?=', `=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`]) {
    assert.equal(decodeHeaderValue(broken), broken.endsWith('?=') ? undefined : broken, broken);
  }
});

test('x-mcp-header declarations: allowed only on primitive properties reached through "properties"', () => {
  const valid = headerDeclarations({
    type: 'object',
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      nested: { type: 'object', properties: { level: { type: 'integer', 'x-mcp-header': 'Level' } } },
      plain: { type: 'string' },
    },
  });
  assert.deepEqual(valid, {
    valid: true,
    declarations: [
      { path: ['region'], name: 'Region', type: 'string' },
      { path: ['nested', 'level'], name: 'Level', type: 'integer' },
    ],
  });
  const invalid: Array<[name: string, schema: unknown, reason: RegExp]> = [
    ['on an array item', { type: 'object', properties: { list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Item' } } } }, /reached through "properties"/],
    ['under anyOf', { type: 'object', anyOf: [{ properties: { a: { type: 'string', 'x-mcp-header': 'A' } } }] }, /reached through "properties"/],
    ['on the root', { type: 'object', 'x-mcp-header': 'Root' }, /reached through "properties"/],
    ['on an object', { type: 'object', properties: { o: { type: 'object', 'x-mcp-header': 'O' } } }, /string, integer, number or boolean/],
    ['not a token', { type: 'object', properties: { a: { type: 'string', 'x-mcp-header': 'Has Space' } } }, /header-name token/],
    ['declared twice', { type: 'object', properties: { a: { type: 'string', 'x-mcp-header': 'Dup' }, b: { type: 'string', 'x-mcp-header': 'dup' } } }, /declared twice/],
  ];
  for (const [name, schema, reason] of invalid) {
    const result = headerDeclarations(schema);
    assert.equal(result.valid, false, name);
    if (!result.valid) assert.match(result.reason, reason, name);
  }
  let deep: Record<string, unknown> = { type: 'string', 'x-mcp-header': 'Deep' };
  for (let i = 0; i < 100; i++) deep = { type: 'object', properties: { p: deep } };
  assert.equal(headerDeclarations(deep).valid, false, 'a hostile, deeply nested schema is refused, not walked');
});

test('Mcp-Param headers: built from the arguments, and checked against them as a server must', () => {
  const result = headerDeclarations({
    type: 'object',
    properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, level: { type: 'integer', 'x-mcp-header': 'Level' }, flag: { type: 'boolean', 'x-mcp-header': 'Flag' } },
  });
  assert.ok(result.valid);
  const declarations = result.declarations;
  assert.deepEqual(paramHeaders(declarations, { region: 'eu west', level: 42, flag: false, other: 1 }), { 'mcp-param-region': 'eu west', 'mcp-param-level': '42', 'mcp-param-flag': 'false' });
  assert.deepEqual(paramHeaders(declarations, { region: null }), {}, 'null and absent values get no header');

  const cases: Array<[name: string, args: unknown, headers: Record<string, string>, problem: RegExp | undefined]> = [
    ['all agree', { region: 'us', level: 42, flag: true }, { 'mcp-param-region': 'us', 'mcp-param-level': '42', 'mcp-param-flag': 'true' }, undefined],
    ['numbers compare as numbers', { level: 42 }, { 'mcp-param-level': '42.0' }, undefined],
    ['Base64 decoded before comparing', { region: 'Hello, 世界' }, { 'mcp-param-region': b64('Hello, 世界') }, undefined],
    ['absent argument needs no header', {}, {}, undefined],
    ['header missing', { region: 'us' }, {}, /Mcp-Param-Region header is absent/],
    ['header disagrees', { region: 'us' }, { 'mcp-param-region': 'eu' }, /says "eu"/],
    ['case of the value matters', { region: 'us' }, { 'mcp-param-region': 'US' }, /says "US"/],
    ['broken Base64', { region: 'us' }, { 'mcp-param-region': '=?base64?!!!?=' }, /not valid Base64/],
    ['hex is not a number', { level: 26 }, { 'mcp-param-level': '0x1a' }, /says "0x1a"/],
  ];
  for (const [name, args, headers, problem] of cases) {
    const found = paramHeaderProblem(declarations, args, headers);
    if (problem === undefined) assert.equal(found, undefined, name);
    else assert.match(found ?? '', problem, name);
  }
});
