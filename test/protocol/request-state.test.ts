import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { argumentsDigest, RequestStateSealer, type StateBinding, type StateRefusal } from '../../src/protocol/request-state.js';

const binding = (overrides: Partial<StateBinding> = {}): StateBinding => ({
  authorizationContext: 'agent-a',
  server: 'files',
  method: 'tools/call',
  target: 'write_file',
  argumentsDigest: argumentsDigest({ path: '/tmp/x', content: 'hello' }),
  policyRevision: 'rev-1',
  ...overrides,
});

function clockAt(start: number) {
  const clock = { now: start, tick: (ms: number) => (clock.now += ms) };
  return clock;
}

function sealerWith(clock: { now: number }, key = randomBytes(32), maxRemembered?: number) {
  return new RequestStateSealer({ key, now: () => clock.now, ttlMs: 60_000, ...(maxRemembered ? { maxRemembered } : {}) });
}

/** Flips one character of the sealed part, keeping it valid base64url. */
function tamper(state: string, at: number): string {
  const index = state.length - at;
  const replacement = state[index] === 'A' ? 'B' : 'A';
  return state.slice(0, index) + replacement + state.slice(index + 1);
}

test('a sealed state opens once, for exactly what it was issued for', () => {
  const clock = clockAt(1_000_000);
  const sealer = sealerWith(clock);
  const state = sealer.seal('approval', binding(), 'approval-42');
  assert.ok(state.startsWith('tg1.'));
  assert.ok(!state.includes('write_file') && !state.includes('agent-a') && !state.includes('approval-42'), 'the state is opaque to the client');
  assert.deepEqual(sealer.open(state, binding()), { ok: true, kind: 'approval', data: 'approval-42' });
});

test('forged, altered, foreign, expired and replayed states are refused with the reason', () => {
  type Case = { name: string; present: (sealer: RequestStateSealer, clock: ReturnType<typeof clockAt>, state: string) => unknown; expected?: Partial<StateBinding>; reason: StateRefusal };
  const cases: Case[] = [
    { name: 'not a string', present: () => 42, reason: 'malformed' },
    { name: 'an upstream-looking opaque string', present: () => 'eyJ0b29sIjoicmVxdWVzdF9zdGF0ZSJ9', reason: 'malformed' },
    { name: 'the prefix alone', present: () => 'tg1.', reason: 'malformed' },
    { name: 'a ciphertext byte changed', present: (_s, _c, state) => tamper(state, 30), reason: 'forged' },
    { name: 'the tag changed', present: (_s, _c, state) => tamper(state, 2), reason: 'forged' },
    { name: 'sealed with another key', present: (_s, clock) => sealerWith(clock).seal('approval', binding(), 'x'), reason: 'forged' },
    { name: 'another caller', present: (_s, _c, state) => state, expected: { authorizationContext: 'agent-b' }, reason: 'foreign' },
    { name: 'another server', present: (_s, _c, state) => state, expected: { server: 'other' }, reason: 'foreign' },
    { name: 'another tool', present: (_s, _c, state) => state, expected: { target: 'delete_file' }, reason: 'foreign' },
    { name: 'another method', present: (_s, _c, state) => state, expected: { method: 'prompts/get' }, reason: 'foreign' },
    { name: 'other arguments', present: (_s, _c, state) => state, expected: { argumentsDigest: argumentsDigest({ path: '/etc/passwd', content: 'hello' }) }, reason: 'foreign' },
    { name: 'a new policy revision', present: (_s, _c, state) => state, expected: { policyRevision: 'rev-2' }, reason: 'policy_changed' },
    {
      name: 'after its lifetime',
      present: (_s, clock, state) => {
        clock.tick(60_000);
        return state;
      },
      reason: 'expired',
    },
    {
      name: 'a second time',
      present: (sealer, _c, state) => {
        assert.equal(sealer.open(state, binding()).ok, true);
        return state;
      },
      reason: 'replayed',
    },
  ];
  for (const { name, present, expected, reason } of cases) {
    const clock = clockAt(5_000_000);
    const sealer = sealerWith(clock);
    const state = sealer.seal('parked', binding(), 'park-1');
    assert.deepEqual(sealer.open(present(sealer, clock, state), binding(expected)), { ok: false, reason }, name);
  }
});

test('a state issued before the gateway (re)started is refused, even with the same key', () => {
  const key = randomBytes(32);
  const clock = clockAt(1_000);
  const state = sealerWith(clock, key).seal('approval', binding(), 'a');
  clock.tick(1);
  assert.deepEqual(sealerWith(clock, key).open(state, binding()), { ok: false, reason: 'expired' });
});

test('when the memory of used states is full, the forgotten ones are refused, never accepted again', () => {
  const clock = clockAt(10_000);
  const sealer = sealerWith(clock, randomBytes(32), 2);
  const states = ['a', 'b', 'c'].map((data) => {
    clock.tick(1);
    return sealer.seal('upstream', binding(), data);
  });
  for (const state of states) assert.equal(sealer.open(state, binding()).ok, true);
  // The first state was forgotten to make room: it must not open again.
  assert.deepEqual(sealer.open(states[0], binding()), { ok: false, reason: 'expired' });
  assert.deepEqual(sealer.open(states[2], binding()), { ok: false, reason: 'replayed' });
});

test('the arguments digest ignores key order and nothing else', () => {
  assert.equal(argumentsDigest({ a: 1, b: { c: [1, 2], d: null } }), argumentsDigest({ b: { d: null, c: [1, 2] }, a: 1 }));
  const table: Array<[unknown, unknown]> = [
    [{ a: 1 }, { a: '1' }],
    [{ a: [1, 2] }, { a: [2, 1] }],
    [{ a: 1 }, { a: 1, b: undefined === undefined ? null : 0 }],
    [{}, []],
  ];
  for (const [left, right] of table) assert.notEqual(argumentsDigest(left), argumentsDigest(right), `${JSON.stringify(left)} vs ${JSON.stringify(right)}`);
});

test('a key that is not 32 bytes is refused at construction', () => {
  assert.throws(() => new RequestStateSealer({ key: randomBytes(16) }), /32 bytes/);
});
