import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { ModernExchange } from '../../src/protocol/modern-exchange.js';
import { ParkedCalls } from '../../src/protocol/parked-calls.js';
import type { InputRequest } from '../../src/transport/client-session.js';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse, RequestId } from '../../src/transport/jsonrpc.js';

/** A retry or first exchange as the parking sees it: only its declared capabilities matter. */
const exchange = (capabilities: Record<string, unknown> = { elicitation: {}, sampling: {}, roots: {} }) =>
  ({ envelope: { protocolVersion: '2026-07-28', clientCapabilities: capabilities } }) as unknown as ModernExchange;

const elicit = (id: string): JsonRpcRequest => ({ jsonrpc: '2.0', id, method: 'elicitation/create', params: { message: `question ${id}` } });

/** A host that records what the parking did, with one live exchange per call until answered. */
function host() {
  const live = new Map<RequestId, ModernExchange>();
  const asked: Array<{ call: RequestId; inputRequests: Record<string, InputRequest>; parkId: string }> = [];
  const upstream: JsonRpcMessage[] = [];
  const delivered: Array<[RequestId, JsonRpcResponse]> = [];
  let resolveAsked: (() => void) | undefined;
  const parking = {
    exchangeOf: (id: RequestId) => live.get(id),
    answerInputRequired: (call: RequestId, inputRequests: Record<string, InputRequest>, parkId: string) => {
      live.delete(call);
      asked.push({ call, inputRequests, parkId });
      resolveAsked?.();
    },
    reattach: (call: RequestId, retry: ModernExchange) => live.set(call, retry),
    toUpstream: (message: JsonRpcMessage) => {
      upstream.push(message);
    },
    deliver: (call: RequestId, response: JsonRpcResponse) => delivered.push([call, response]),
    log: pino({ level: 'silent' }),
  };
  const nextAsk = () => new Promise<void>((resolve) => (resolveAsked = resolve));
  return { live, asked, upstream, delivered, parking, nextAsk };
}

test('questions the server sends together are asked in one round, under keys named for their kind', async () => {
  const h = host();
  const parked = new ParkedCalls(h.parking);
  h.live.set('call-1', exchange());
  const round = h.nextAsk();
  parked.ask('call-1', elicit('e1'));
  parked.ask('call-1', { jsonrpc: '2.0', id: 's1', method: 'sampling/createMessage', params: { messages: [] } });
  parked.ask('call-1', { jsonrpc: '2.0', id: 'r1', method: 'roots/list' });
  await round;
  assert.equal(h.asked.length, 1);
  assert.deepEqual(Object.values(h.asked[0].inputRequests).map((request) => request.method), ['elicitation/create', 'sampling/createMessage', 'roots/list']);
  assert.deepEqual(Object.keys(h.asked[0].inputRequests), ['elicitation-1', 'sampling-2', 'roots-3']);
  assert.equal(parked.isParked('call-1'), true);
  parked.close();
});

test('a retry answers what it can, takes the call over, and is asked again for the rest', async () => {
  const h = host();
  const parked = new ParkedCalls(h.parking);
  h.live.set('call-1', exchange());
  let round = h.nextAsk();
  parked.ask('call-1', elicit('e1'));
  parked.ask('call-1', elicit('e2'));
  await round;
  const [first] = h.asked;
  round = h.nextAsk();
  assert.equal(parked.resume(first.parkId, exchange(), { 'elicitation-1': { action: 'accept', content: { a: 1 } }, unrelated: { x: 1 }, 'elicitation-2': 'not an object' }), true);
  assert.deepEqual(h.upstream, [{ jsonrpc: '2.0', id: 'e1', result: { action: 'accept', content: { a: 1 } } }], 'only a well-formed answer to a question it asked goes upstream');
  await round;
  assert.deepEqual(Object.keys(h.asked[1].inputRequests), ['elicitation-2'], 'the unanswered question is asked again');
  assert.equal(parked.resume(first.parkId, exchange(), { 'elicitation-2': { action: 'decline' } }), true, 'the park id stays the same across rounds');
  assert.deepEqual(h.upstream.at(-1), { jsonrpc: '2.0', id: 'e2', result: { action: 'decline' } });
  assert.equal(parked.isParked('call-1'), false, 'all answered: the call runs on, on the retry');
  assert.equal(parked.resume(first.parkId, exchange(), {}), false, 'nothing left to resume');
});

test("the call's answer arriving while its client is away waits for the retry", async () => {
  const h = host();
  const parked = new ParkedCalls(h.parking);
  h.live.set('call-1', exchange());
  const round = h.nextAsk();
  parked.ask('call-1', elicit('e1'));
  await round;
  const answer: JsonRpcResponse = { jsonrpc: '2.0', id: 'call-1', result: { content: [] } };
  assert.equal(parked.keepResult('call-1', answer), true);
  parked.resume(h.asked[0].parkId, exchange(), { 'elicitation-1': { action: 'cancel' } });
  assert.deepEqual(h.delivered, [['call-1', answer]]);
});

test('a parked call whose client never comes back is cancelled upstream and counted; the oldest makes room beyond the bound', async () => {
  const h = host();
  let expired = 0;
  // The park timer does not hold the process open (a gateway's listener does); this test must.
  const holdOpen = setInterval(() => undefined, 1000);
  const cancelled = new Promise<void>((resolve) => {
    h.parking.toUpstream = (message) => {
      h.upstream.push(message);
      if ('method' in message && message.method === 'notifications/cancelled') resolve();
    };
  });
  const parked = new ParkedCalls(h.parking, { timeoutMs: 30, onExpired: () => expired++ });
  h.live.set('call-1', exchange());
  parked.ask('call-1', elicit('e1'));
  await cancelled;
  clearInterval(holdOpen);
  assert.equal(expired, 1);
  assert.equal(parked.size, 0);
  assert.deepEqual(h.upstream.at(-1), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'call-1', reason: 'its 2026 client did not come back with the answers in time' } });

  const bounded = new ParkedCalls(h.parking, { max: 1 });
  for (const call of ['a', 'b']) {
    h.live.set(call, exchange());
    const round = h.nextAsk();
    bounded.ask(call, elicit(`q-${call}`));
    await round;
  }
  assert.equal(bounded.size, 1);
  assert.deepEqual(h.upstream.at(-1), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'a', reason: 'more than 1 calls were parked' } });
  bounded.close();
});

test('what a 2026 client cannot be asked is answered to the server at once', () => {
  const h = host();
  const parked = new ParkedCalls(h.parking);
  h.live.set('call-1', exchange({}));
  parked.ask('call-1', elicit('e1'));
  parked.ask('call-1', { jsonrpc: '2.0', id: 'p1', method: 'ping' });
  parked.ask('call-1', { jsonrpc: '2.0', id: 'x1', method: 'tasks/get', params: {} });
  parked.ask('gone', elicit('e2'));
  assert.deepEqual(
    h.upstream.map((message) => ('error' in message ? `${String(message.id)}: ${message.error.message}` : `${String((message as { id?: unknown }).id)}: ok`)),
    [
      'e1: toolgate: elicitation/create cannot be answered: the client did not declare the elicitation capability',
      'p1: ok',
      'x1: toolgate: tasks/get cannot be answered: a 2026-07-28 client cannot be sent tasks/get',
      'e2: toolgate: elicitation/create cannot be answered: the call it belongs to is no longer waiting',
    ],
  );
  assert.equal(h.asked.length, 0);
});
