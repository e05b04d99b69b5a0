/**
 * Named operators (`admin.users`) through a real gateway: each signs in with their own token,
 * their role decides what they may do, and what they decide is recorded under their name. The
 * shared `admin.token` keeps working as before, as one more `admin`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { eventually, receivedToolCalls, REPO_ROOT, resultText, startGateway, tempDir, within, type StartedGateway } from '../helpers/harness.js';
import { adminFetch } from './helpers.js';

const SHARED = 'shared-admin-token-0123456789';
const VIEWER = 'viewer-token-vera-0123456789';
const APPROVER = 'approver-token-alice-0123456789';
const ADMIN = 'admin-token-root-0123456789';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const CONFIG = `
servers:
  app: $RECORDING
policies:
  app:
    tools:
      deploy_webapp:
        action: require_approval
admin:
  token: "${SHARED}"
  users:
    vera: { token_sha256: "${sha256(VIEWER)}", role: viewer }
    alice: { token: "${APPROVER}", role: approver }
    root: { token_sha256: "${sha256(ADMIN).toUpperCase()}", role: admin }
`;

describe('admin API: named operators and their roles', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(CONFIG);
  });
  after(() => gw.close());

  test('a viewer sees the held call but may not decide it; an approver approves it under their own name', async () => {
    const agent = await gw.connect('app');
    const call = agent.callTool({ name: 'deploy_webapp', arguments: { project_root: '/srv/shop', region: 'eu-west-1' } });
    const held = await eventually(async () => {
      const pending = await adminFetch(gw, 'approvals?status=pending', { token: VIEWER });
      assert.equal(pending.status, 200, pending.text);
      return pending.body.find((a: { tool: string }) => a.tool === 'deploy_webapp');
    }, 30_000, 'the held call listed for the viewer');
    assert.equal((await adminFetch(gw, 'overview', { token: VIEWER })).status, 200);

    const byViewer = await adminFetch(gw, `approvals/${held.id}/approve`, { token: VIEWER, method: 'POST', body: { scope: 'once' } });
    assert.equal(byViewer.status, 403);
    assert.equal(byViewer.body.error, 'forbidden');
    assert.match(byViewer.body.message, /`vera` has the role `viewer`; approving a held call needs the role `approver`/);
    const refusedByViewer = await adminFetch(gw, `approvals/${held.id}/refuse`, { token: VIEWER, method: 'POST', body: { reason: 'no' } });
    assert.equal(refusedByViewer.status, 403);
    assert.equal((await adminFetch(gw, `approvals/${held.id}`, { token: VIEWER })).body.status, 'pending', 'the viewer changed nothing');
    assert.ok(!receivedToolCalls(gw.recordFile).includes('deploy_webapp'), 'still held: the upstream has not seen it');

    // The body names somebody else: ignored, the decision is recorded under the operator who made it.
    const approved = await adminFetch(gw, `approvals/${held.id}/approve`, { token: APPROVER, method: 'POST', body: { scope: 'once', approver: 'mallory' } });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.decidedBy, 'alice');
    const result = await within(call, 30_000, 'the approved call returning');
    assert.match(resultText(result), /deploy_webapp|srv\/shop/);
    assert.ok(receivedToolCalls(gw.recordFile).includes('deploy_webapp'), 'the upstream ran the approved call');

    assert.equal((await adminFetch(gw, `approvals/${held.id}`, { token: VIEWER })).body.decidedBy, 'alice');
    await gw.gateway.audit!.flush();
    const record = await eventually(async () => {
      const rows = await adminFetch(gw, 'audit?tool=deploy_webapp', { token: VIEWER });
      return rows.body.find((row: { approver: string | null }) => row.approver !== null);
    }, 30_000, 'the audit record of the approved call');
    assert.equal(record.approver, 'alice');
    assert.equal(record.decision, 'approved');
  });

  test('accepting or rejecting a changed tool definition needs the admin role; the decision is audited under the operator', async () => {
    const client = await gw.connect('app');
    await client.listTools();
    await client.callTool({ name: 'rug_pull', arguments: {} });
    await eventually(async () => !(await client.listTools()).tools.some((t) => t.name === 'get_status'), 30_000, 'get_status hidden after the change');

    for (const token of [VIEWER, APPROVER]) {
      for (const decision of ['accept', 'reject']) {
        const refused = await adminFetch(gw, `pins/app/get_status/${decision}`, { token, method: 'POST', body: {} });
        assert.equal(refused.status, 403);
        assert.match(refused.body.message, new RegExp(`${decision}ing a tool definition needs the role \`admin\``));
      }
    }
    assert.ok(!(await client.listTools()).tools.some((t) => t.name === 'get_status'), 'still hidden');

    const accepted = await adminFetch(gw, 'pins/app/get_status/accept', { token: ADMIN, method: 'POST', body: { approver: 'somebody-else' } });
    assert.equal(accepted.status, 200, accepted.text);
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'get_status'), 'listed again');
    assert.ok(gw.logs.some((line) => /pin accepted/.test(String(line.msg)) && (line as { approver?: string }).approver === 'root'));
    await gw.gateway.audit!.flush();
    const record = await eventually(async () => (await adminFetch(gw, 'audit?decision=pin_accepted', { token: VIEWER })).body[0], 30_000, 'the audit record of the accept');
    assert.deepEqual([record.method, record.server, record.tool, record.approver], ['toolgate/pin', 'app', 'get_status', 'root'], 'the operator, not the name in the body');
    assert.match(record.pinSha256, /^[0-9a-f]{64}$/);
    assert.match(record.seenSha256, /^[0-9a-f]{64}$/);
    assert.notEqual(record.pinSha256, record.seenSha256);
  });

  test('a wrong token is 401, for the API and for sign-in', async () => {
    const wrong = await adminFetch(gw, 'overview', { token: `${VIEWER}x` });
    assert.equal(wrong.status, 401);
    assert.equal((await adminFetch(gw, 'overview', { token: null })).status, 401);
    const signIn = await adminFetch(gw, 'session', { token: null, method: 'POST', body: { token: sha256(VIEWER) }, headers: { origin: gw.baseUrl } });
    assert.equal(signIn.status, 401, 'the hash from the config is not the token');
  });

  test('an operator signs in on the dashboard: the cookie names them, and only them', async () => {
    const signIn = await adminFetch(gw, 'session', { token: null, method: 'POST', body: { token: VIEWER }, headers: { origin: gw.baseUrl } });
    assert.equal(signIn.status, 200);
    assert.deepEqual(signIn.body, { authenticated: true, operator: 'vera', role: 'viewer' });
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^toolgate_admin=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    assert.ok(!setCookie.includes(VIEWER) && !setCookie.includes(sha256(VIEWER)), 'the cookie carries neither the token nor its hash');
    const cookie = setCookie.split(';')[0];

    assert.deepEqual((await adminFetch(gw, 'session', { token: null, headers: { cookie } })).body, { authenticated: true, operator: 'vera', role: 'viewer' });
    assert.equal((await adminFetch(gw, 'overview', { token: null, headers: { cookie } })).status, 200);
    const decide = await adminFetch(gw, 'approvals/whatever/approve', { token: null, method: 'POST', body: {}, headers: { cookie, origin: gw.baseUrl } });
    assert.equal(decide.status, 403, 'the cookie carries the viewer role, not more');

    // The same signature under another operator's name is worthless.
    const [issued, , signature] = cookie.split('=')[1].split('.');
    const asRoot = `toolgate_admin=${issued}.${Buffer.from('root').toString('base64url')}.${signature}`;
    assert.deepEqual((await adminFetch(gw, 'session', { token: null, headers: { cookie: asRoot } })).body, { authenticated: false });
    assert.equal((await adminFetch(gw, 'overview', { token: null, headers: { cookie: asRoot } })).status, 401);
    // Nor is it one of the shared token's cookies once the name is dropped.
    assert.equal((await adminFetch(gw, 'overview', { token: null, headers: { cookie: `toolgate_admin=${issued}.${signature}` } })).status, 401);
  });

  test('the shared admin.token still works as before: an admin, its cookie, and a name given in the body', async () => {
    const held = await gw.gateway.approvals.hold({ server: 'app', tool: 'deploy_webapp', arguments: {}, session: 'sess-shared', requestId: 1, rule: 'deploy_webapp', category: 'Execute', risk: 'High', timeoutMs: 60_000 });
    const approved = await adminFetch(gw, `approvals/${held.approval.id}/approve`, { token: SHARED, method: 'POST', body: { scope: 'once', approver: 'bob' } });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.decidedBy, 'bob');
    assert.equal((await held.outcome).approved, true);

    const signIn = await adminFetch(gw, 'session', { token: null, method: 'POST', body: { token: SHARED }, headers: { origin: gw.baseUrl } });
    assert.deepEqual(signIn.body, { authenticated: true });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    assert.equal(cookie.split('=')[1].split('.').length, 2, 'the shared token\'s cookie keeps its <issued>.<signature> form');
    assert.deepEqual((await adminFetch(gw, 'session', { token: null, headers: { cookie } })).body, { authenticated: true });
  });
});

describe('admin API: wrong operator tokens are throttled per address', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway(`servers:\n  app: $RECORDING\nadmin:\n  users:\n    vera: { token: "${VIEWER}", role: viewer }\n`);
  });
  after(() => gw.close());

  test('after 20 wrong tokens even the right operator token waits (429 with Retry-After)', async () => {
    assert.equal((await adminFetch(gw, 'overview', { token: VIEWER })).status, 200);
    for (let i = 0; i < 20; i++) assert.equal((await adminFetch(gw, 'overview', { token: `${VIEWER}-${i}` })).status, 401);
    const throttled = await adminFetch(gw, 'overview', { token: VIEWER });
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
  });
});

describe('admin.users mistakes are refused at load, each named', () => {
  const load = async (yaml: string) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'toolgate.yaml'), `servers:\n  app: { command: "true" }\nadmin:\n${yaml}`);
    return loadConfig(join(dir, 'toolgate.yaml'));
  };
  const cases: Array<[string, string, RegExp]> = [
    ['an unknown role', `  users:\n    vera: { token: "${VIEWER}", role: superuser }`, /\/admin\/users\/vera\/role: `superuser` is not one of `viewer`, `approver`, `admin`/],
    ['no role', `  users:\n    vera: { token: "${VIEWER}" }`, /\/admin\/users\/vera: missing required key `role`/],
    ['a hash that is not hex', `  users:\n    vera: { token_sha256: "${'z'.repeat(64)}", role: viewer }`, /\/admin\/users\/vera\/token_sha256: .* must match pattern/],
    ['a hash of the wrong length', `  users:\n    vera: { token_sha256: "abc", role: viewer }`, /token_sha256/],
    ['neither token nor hash', '  users:\n    vera: { role: viewer }', /operator `vera` needs exactly one of `token` and `token_sha256`/],
    ['both token and hash', `  users:\n    vera: { token: "${VIEWER}", token_sha256: "${sha256(VIEWER)}", role: viewer }`, /operator `vera` needs exactly one of `token` and `token_sha256`/],
    ['two operators with one token', `  users:\n    vera: { token: "${VIEWER}", role: viewer }\n    alice: { token_sha256: "${sha256(VIEWER).toUpperCase()}", role: approver }`, /operators `vera` and `alice` have the same token/],
    ['an operator with the shared token', `  token: "${SHARED}"\n  users:\n    vera: { token_sha256: "${sha256(SHARED)}", role: viewer }`, /`admin.token` and operator `vera` have the same token/],
    ['a short token', '  users:\n    vera: { token: "short", role: viewer }', /token/],
    ['a misspelt key', `  users:\n    vera: { token: "${VIEWER}", role: viewer, rol: admin }`, /rol/],
  ];
  for (const [name, yaml, message] of cases) {
    test(name, async () => {
      await assert.rejects(load(yaml), (error: Error) => {
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test('a good section loads, with only the hashes kept', async () => {
    const config = await load(`  users:\n    vera: { token: "${VIEWER}", role: viewer }\n    root: { token_sha256: "${sha256(ADMIN).toUpperCase()}", role: admin }`);
    assert.deepEqual(config.admin?.users, { vera: { tokenSha256: sha256(VIEWER), role: 'viewer' }, root: { tokenSha256: sha256(ADMIN), role: 'admin' } });
  });
});

test("the README's Operators example is a config toolgate accepts, with the roles it names", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('#### Operators')))![1];
  const config = parseConfig(`servers:\n  app: { command: "true" }\n${yaml}`, 'README.md', { TOOLGATE_ADMIN_TOKEN: SHARED, ALICE_TOKEN: APPROVER });
  assert.deepEqual(Object.fromEntries(Object.entries(config.admin!.users!).map(([name, user]) => [name, user.role])), { vera: 'viewer', alice: 'approver', root: 'admin' });
  assert.equal(config.admin!.users!.alice.tokenSha256, sha256(APPROVER));
});
