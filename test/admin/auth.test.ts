import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startGateway, tempDir, type StartedGateway } from '../helpers/harness.js';
import { adminFetch, tokenOf } from './helpers.js';

const PROTECTED = ['overview', 'catalog', 'audit', 'events', 'approvals', 'rate-limits', '/metrics'];

describe('admin auth', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway('servers:\n  app: $RECORDING\n');
  });
  after(() => gw.close());

  test('every endpoint answers 401 with a JSON error and a hint without the token', async () => {
    for (const path of PROTECTED) {
      const res = await adminFetch(gw, path, { token: null });
      assert.equal(res.status, 401, path);
      assert.equal(res.body.error, 'unauthorized', path);
      assert.match(res.body.message, /admin token is required/, path);
      assert.match(res.body.hint, /Authorization: Bearer/, path);
    }
  });

  test('a wrong Bearer token is refused, and says so', async () => {
    for (const token of ['wrong', `${tokenOf(gw)}x`, tokenOf(gw).slice(0, -1), '']) {
      const res = await adminFetch(gw, 'overview', { token });
      assert.equal(res.status, 401, token);
      assert.match(res.body.message, /does not carry the admin token/);
    }
    const basic = await adminFetch(gw, 'overview', { token: null, headers: { authorization: `Basic ${tokenOf(gw)}` } });
    assert.equal(basic.status, 401);
  });

  test('the right Bearer token is accepted', async () => {
    const res = await adminFetch(gw, 'overview');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('sign-in sets an HttpOnly SameSite=Strict cookie that works, from this origin only, until sign-out', async () => {
    const wrong = await adminFetch(gw, 'session', { token: null, method: 'POST', body: { token: 'nope' } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.message, /not the admin token/);
    const missing = await adminFetch(gw, 'session', { token: null, method: 'POST', body: {} });
    assert.equal(missing.status, 400);

    const signIn = await adminFetch(gw, 'session', { token: null, method: 'POST', body: { token: tokenOf(gw) }, headers: { origin: gw.baseUrl } });
    assert.equal(signIn.status, 200);
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^toolgate_admin=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    assert.ok(!setCookie.includes(tokenOf(gw)), 'the cookie does not carry the token itself');
    const cookie = setCookie.split(';')[0];

    const withCookie = await adminFetch(gw, 'overview', { token: null, headers: { cookie } });
    assert.equal(withCookie.status, 200);
    const session = await adminFetch(gw, 'session', { token: null, headers: { cookie } });
    assert.deepEqual(session.body, { authenticated: true });

    // Another loopback port is the same *site*, so SameSite alone would not stop it.
    const foreign = await adminFetch(gw, 'overview', { token: null, headers: { cookie, origin: 'http://localhost:3000' } });
    assert.equal(foreign.status, 401);
    const crossSite = await adminFetch(gw, 'overview', { token: null, headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.status, 401);
    const foreignSignIn = await adminFetch(gw, 'session', { token: null, method: 'POST', body: { token: tokenOf(gw) }, headers: { origin: 'http://localhost:3000' } });
    assert.equal(foreignSignIn.status, 401);

    const [issued, signature] = cookie.split('=')[1].split('.');
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const forged = await adminFetch(gw, 'overview', { token: null, headers: { cookie: `toolgate_admin=${issued}.${flipped}` } });
    assert.equal(forged.status, 401);

    const signOut = await adminFetch(gw, 'session', { token: null, method: 'DELETE', headers: { cookie } });
    assert.match(signOut.headers.get('set-cookie') ?? '', /^toolgate_admin=; .*Max-Age=0/);
  });
});

describe('admin token', () => {
  test('generated at first start (0600, in data_dir), reused by later starts', async () => {
    const data = join(tempDir(), 'state');
    const first = await startGateway(`data_dir: ${data}\nservers:\n  app: $RECORDING\n`);
    const file = join(data, 'admin-token');
    try {
      assert.equal(first.gateway.admin!.token.source, 'generated');
      assert.equal(first.gateway.admin!.token.file, file);
      assert.ok(existsSync(file));
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(readFileSync(file, 'utf8').trim(), tokenOf(first));
      assert.ok(tokenOf(first).length >= 40);
    } finally {
      await first.close();
    }
    const second = await startGateway(`data_dir: ${data}\nservers:\n  app: $RECORDING\n`);
    try {
      assert.equal(second.gateway.admin!.token.source, 'file');
      assert.equal(tokenOf(second), readFileSync(file, 'utf8').trim());
      assert.equal((await adminFetch(second, 'overview')).status, 200);
    } finally {
      await second.close();
    }
  });

  test('admin.token from the config wins and writes no file', async () => {
    process.env.TOOLGATE_TEST_ADMIN_TOKEN = 'a-configured-token-0123456789';
    const gw = await startGateway('admin: { token: "${TOOLGATE_TEST_ADMIN_TOKEN}" }\nservers:\n  app: $RECORDING\n');
    try {
      assert.equal(gw.gateway.admin!.token.source, 'config');
      assert.equal((await adminFetch(gw, 'overview', { token: 'a-configured-token-0123456789' })).status, 200);
      assert.ok(!existsSync(join(gw.dir, '.toolgate', 'admin-token')));
    } finally {
      await gw.close();
    }
  });

  test('a token file too short to be a secret stops the start with a fix', async () => {
    const data = join(tempDir(), 'state');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(data);
    writeFileSync(join(data, 'admin-token'), 'short\n');
    await assert.rejects(startGateway(`data_dir: ${data}\nservers:\n  app: $RECORDING\n`), /holds no usable token.*delete it and restart/);
  });

  test('a configured token shorter than 16 characters is a config error', async () => {
    await assert.rejects(startGateway('admin: { token: "short" }\nservers:\n  app: $RECORDING\n'), /admin\/token|token/);
  });
});
