/** The one table from error code to HTTP status and JSON-RPC code, shared by the MCP edge and the admin API. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_TABLE, errorAnswer, LIMIT_ERROR } from '../../src/error-table.js';

test('every code answers with an error status and a JSON-RPC error code', () => {
  for (const [code, answer] of Object.entries(ERROR_TABLE)) {
    assert.ok(answer.http >= 400 && answer.http <= 599, `${code}: HTTP ${answer.http}`);
    assert.ok(answer.jsonRpc <= -32000 && answer.jsonRpc >= -32768, `${code}: JSON-RPC ${answer.jsonRpc}`);
  }
});

const rows: Array<[Parameters<typeof errorAnswer>[0], number, number]> = [
  ['parse_error', 400, -32700],
  ['unknown_session', 404, -32001],
  ['body_too_large', 413, -32600],
  ['upstream_closed', 502, -32010],
  ['store_error', 503, -32603],
  ['limit_reached', 503, LIMIT_ERROR],
  ['replay_unavailable', 410, LIMIT_ERROR],
  ['too_many_attempts', 429, -32600],
  [undefined, 500, -32603],
];
for (const [code, http, jsonRpc] of rows) {
  test(`${code ?? 'an unexpected error'} answers HTTP ${http}, JSON-RPC ${jsonRpc}`, () => assert.deepEqual({ ...errorAnswer(code) }, { http, jsonRpc }));
}
