/** `audit.redact` and `audit.arguments`: what a record keeps of the arguments. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { canonicalJson, compileRedaction, digestArguments, REDACTED } from '../../src/audit/arguments.js';

const R = REDACTED;
const redactions: Array<{ name: string; paths: string[]; args: Record<string, unknown>; want: Record<string, unknown> }> = [
  { name: 'a top-level key', paths: ['password'], args: { user: 'ann', password: 'hunter2' }, want: { user: 'ann', password: R } },
  { name: 'only at the top level', paths: ['password'], args: { db: { password: 'x' } }, want: { db: { password: 'x' } } },
  { name: 'a nested path', paths: ['credentials.token'], args: { credentials: { token: 't', user: 'u' }, token: 'top' }, want: { credentials: { token: R, user: 'u' }, token: 'top' } },
  { name: 'a whole object', paths: ['credentials'], args: { credentials: { token: 't' } }, want: { credentials: R } },
  { name: '* is any one key', paths: ['*.secret'], args: { a: { secret: 1, open: 2 }, b: { secret: { deep: true } }, secret: 'top' }, want: { a: { secret: R, open: 2 }, b: { secret: R }, secret: 'top' } },
  { name: '* matches array indexes', paths: ['items.*.key'], args: { items: [{ key: 'k1', v: 1 }, { key: 'k2' }] }, want: { items: [{ key: R, v: 1 }, { key: R }] } },
  { name: '** is any depth, including none', paths: ['**.token'], args: { token: 1, a: { token: 2, b: [{ token: 3 }] } }, want: { token: R, a: { token: R, b: [{ token: R }] } } },
  { name: 'a path that is absent changes nothing', paths: ['nope.x', 'password'], args: { user: 'ann' }, want: { user: 'ann' } },
  { name: 'a path through a scalar stops there', paths: ['user.name'], args: { user: 'ann' }, want: { user: 'ann' } },
  { name: 'several paths', paths: ['password', 'credentials.token', '*.secret'], args: { password: 'p', credentials: { token: 't' }, x: { secret: 's' } }, want: { password: R, credentials: { token: R }, x: { secret: R } } },
];

for (const c of redactions) {
  test(`redact: ${c.name}`, () => {
    const original = structuredClone(c.args);
    assert.deepEqual(compileRedaction(c.paths)(c.args), c.want);
    assert.deepEqual(c.args, original, 'the call arguments must not be changed');
  });
}

test('canonical JSON sorts keys at every level and drops nothing else', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
  assert.equal(canonicalJson({ s: 'é"\n', n: 1e21, f: 0.1 }), '{"f":0.1,"n":1e+21,"s":"é\\"\\n"}');
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const args = { region: 'us-east-1', password: 'hunter2', opts: { secret: 's', n: 1 } };
const redact = compileRedaction(['password', '*.secret']);

test('arguments: none keeps nothing', () => {
  assert.deepEqual(digestArguments(args, 'none', redact), { keys: null, sha256: null, value: null });
});

test('arguments: keys keeps the sorted top-level names, redacted ones included', () => {
  assert.deepEqual(digestArguments(args, 'keys', redact), { keys: ['opts', 'password', 'region'], sha256: null, value: null });
});

test('arguments: hash is the sha256 of the canonical JSON after redaction, plus the keys', () => {
  const got = digestArguments(args, 'hash', redact);
  assert.deepEqual(got.keys, ['opts', 'password', 'region']);
  assert.equal(got.sha256, sha('{"opts":{"n":1,"secret":"[redacted]"},"password":"[redacted]","region":"us-east-1"}'));
  assert.equal(got.value, null);
  // The hash does not depend on the password, so it cannot be used to guess it...
  assert.equal(digestArguments({ ...args, password: 'other' }, 'hash', redact).sha256, got.sha256);
  // ...but it does tell apart calls that differ elsewhere.
  assert.notEqual(digestArguments({ ...args, region: 'eu-west-1' }, 'hash', redact).sha256, got.sha256);
});

test('arguments: full keeps the arguments with redacted values replaced', () => {
  assert.deepEqual(digestArguments(args, 'full', redact), {
    keys: ['opts', 'password', 'region'],
    sha256: null,
    value: { region: 'us-east-1', password: R, opts: { secret: R, n: 1 } },
  });
});
