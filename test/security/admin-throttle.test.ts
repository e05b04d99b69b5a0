/**
 * Issue 8, §10: one sign-in throttle for everybody let anyone lock the admin out, and wrong
 * Bearer tokens were never throttled. Failures now count per client address (IPv6 per /64):
 * after 20 in a minute that address gets 429 with Retry-After, other addresses are untouched.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { AttemptThrottle, clientKey } from '../../src/admin/throttle.js';
import { ToolgateError } from '../../src/errors.js';
import { startGateway, type StartedGateway } from '../helpers/harness.js';
import { tokenOf } from '../admin/helpers.js';

/** A request to the gateway from a chosen loopback source address (any 127.x address is this machine). */
function from(localAddress: string, gw: StartedGateway, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const url = new URL(gw.baseUrl);
  return new Promise<{ status: number; retryAfter?: string; body: any }>((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: url.hostname, port: url.port, path, method, localAddress, headers: { ...headers, ...(text ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          parsed = raw;
        }
        resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

describe('admin token guesses are throttled per client address', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway('servers:\n  app: $RECORDING\n');
  });
  after(() => gw.close());

  test('wrong sign-ins lock out only the address that made them', async () => {
    const attacker = '127.0.0.2';
    for (let i = 0; i < 20; i++) {
      assert.equal((await from(attacker, gw, 'POST', '/admin/api/session', {}, { token: `wrong-token-${i}-xxxxxxxx` })).status, 401);
    }
    const locked = await from(attacker, gw, 'POST', '/admin/api/session', {}, { token: tokenOf(gw) });
    assert.equal(locked.status, 429, 'even the right token is refused from an address that guessed too often');
    assert.equal(locked.body.error, 'too_many_attempts');
    assert.match(locked.body.message, /from this address/);
    assert.ok(Number(locked.retryAfter) >= 1 && Number(locked.retryAfter) <= 60, `Retry-After: ${locked.retryAfter}`);

    const admin = await from('127.0.0.1', gw, 'POST', '/admin/api/session', {}, { token: tokenOf(gw) });
    assert.equal(admin.status, 200, 'the admin on another address signs in');
    assert.equal(admin.body.authenticated, true);
  });

  test('wrong Bearer tokens on the admin API and /metrics are throttled per address, with Retry-After', async () => {
    const guesser = '127.0.0.3';
    for (let i = 0; i < 20; i++) {
      const path = i % 2 === 0 ? '/admin/api/overview' : '/metrics';
      assert.equal((await from(guesser, gw, 'GET', path, { authorization: `Bearer guess-${i}-xxxxxxxxxxxx` })).status, 401);
    }
    for (const path of ['/admin/api/overview', '/metrics']) {
      const refused = await from(guesser, gw, 'GET', path, { authorization: `Bearer guess-more-xxxxxxxxxxxx` });
      assert.equal(refused.status, 429, path);
      assert.ok(Number(refused.retryAfter) >= 1, `Retry-After on ${path}`);
    }
    assert.equal((await from('127.0.0.4', gw, 'GET', '/metrics', { authorization: `Bearer ${tokenOf(gw)}` })).status, 200, 'another address is not affected');
    assert.equal((await from('127.0.0.4', gw, 'GET', '/admin/api/overview', { authorization: `Bearer ${tokenOf(gw)}` })).status, 200);
  });
});

describe('AttemptThrottle', () => {
  test('failures leave the window, after which the address is let in again', () => {
    let now = 1_000_000;
    const throttle = new AttemptThrottle({ max: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      throttle.check('10.0.0.1', 'x');
      throttle.fail('10.0.0.1');
      now += 10_000;
    }
    assert.throws(() => throttle.check('10.0.0.1', 'x'), (error: ToolgateError) => error.code === 'too_many_attempts' && (error.data as { retryAfterS: number }).retryAfterS === 30);
    throttle.check('10.0.0.2', 'x');
    now += 30_001;
    throttle.check('10.0.0.1', 'x');
  });

  test('addresses tracked are bounded', () => {
    const throttle = new AttemptThrottle({ max: 3, windowMs: 60_000, now: () => 0, maxAddresses: 100 });
    for (let i = 0; i < 1000; i++) throttle.fail(`10.0.${i >> 8}.${i & 255}`);
    assert.equal(throttle.size, 100);
  });

  const keys: Array<[string | undefined, string]> = [
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.2', '127.0.0.2'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    [undefined, 'unknown'],
  ];
  for (const [address, key] of keys) {
    test(`client key of ${address}`, () => assert.equal(clientKey(address), key));
  }
});
