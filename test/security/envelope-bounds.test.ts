/**
 * Two envelope bounds the fuzzer found missing: numeric ids that peers round or drop (fractions,
 * integers past 2^53, 1e999), which left the client unanswered, and params nested thousands of
 * levels deep, which overflowed the audit's recursive canonical JSON so the call went unrecorded.
 * Both are refused as invalid requests before any policy or upstream sees them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nestedDeeperThan } from '../../src/transport/jsonrpc.js';
import { receivedMessages, startGateway } from '../helpers/harness.js';
import { RawSession } from './raw-client.js';

/** `levels` objects nested inside each other, innermost `{ text }`. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { text: 'deep' };
  for (let level = 1; level < levels; level++) value = { inner: value };
  return value;
}

describe('envelope bounds', () => {
  test('nesting is measured without recursion, at the bound and past it', () => {
    assert.equal(nestedDeeperThan(nested(64), 64), false);
    assert.equal(nestedDeeperThan(nested(65), 64), true);
    assert.equal(nestedDeeperThan([[[[1]]]], 4), false);
    assert.equal(nestedDeeperThan([[[[1]]]], 3), true);
    assert.equal(nestedDeeperThan('flat', 1), false);
    assert.equal(nestedDeeperThan(nested(200_000), 64), true);
  });

  test('ids peers cannot echo faithfully are refused with id null; the upstream never sees them', async () => {
    const gw = await startGateway('servers:\n  app: $RECORDING\n');
    try {
      const session = await RawSession.open(gw.url('app'));
      for (const id of ['1.5', '9007199254740993', '1e999', '-1e400']) {
        const answer = await session.postText(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"id ${id}"}}}`);
        assert.equal(answer.status, 400, id);
        assert.equal(answer.messages[0]?.id, null, id);
        assert.equal(answer.messages[0]?.error?.code, -32600, id);
        assert.match(answer.messages[0]?.error?.message ?? '', /a numeric "id" must be an integer between/, id);
      }
      const proper = await session.request({ jsonrpc: '2.0', id: 9007199254740991, method: 'tools/call', params: { name: 'echo', arguments: { text: 'largest safe id' } } });
      assert.equal(proper.id, 9007199254740991);
      const calls = receivedMessages(gw.recordFile).filter((entry) => entry.message.method === 'tools/call');
      assert.deepEqual(calls.map((entry) => entry.message.id), [9007199254740991]);
    } finally {
      await gw.close();
    }
  });

  test('params nested past limits.max_json_depth are refused, at the bound they are decided, forwarded and audited', async () => {
    const gw = await startGateway('servers:\n  app: $RECORDING\nlimits: { max_json_depth: 40 }\n');
    try {
      const session = await RawSession.open(gw.url('app'));
      // params (1) > arguments (2) > 38 more levels = 40.
      const atBound = await session.request({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'at the bound', extra: nested(38) } } });
      assert.ok(atBound.result, JSON.stringify(atBound));
      const tooDeep = await session.post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'past it', extra: nested(39) } } });
      assert.equal(tooDeep.status, 400);
      assert.equal(tooDeep.messages[0]?.id, 2);
      assert.equal(tooDeep.messages[0]?.error?.code, -32600);
      assert.match(tooDeep.messages[0]?.error?.message ?? '', /nests deeper than 40 levels.*limits\.max_json_depth/);
      // Written as text: JSON.stringify itself overflows the stack on such input, as the audit's canonical form did.
      const hostileArguments = `${'{"inner":'.repeat(5000)}1${'}'.repeat(5000)}`;
      const hostile = await session.postText(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":${hostileArguments}}}`);
      assert.equal(hostile.status, 400);
      const arrived = receivedMessages(gw.recordFile).filter((entry) => entry.message.method === 'tools/call');
      assert.deepEqual(arrived.map((entry) => entry.message.id), [1]);
      assert.deepEqual(gw.decisions.map((event) => event.requestId), [1], 'only the call within the bound was decided (and so audited)');
    } finally {
      await gw.close();
    }
  });
});
