/**
 * toolgate as an OAuth 2.1 resource server, against a real OpenID provider (oidc-provider, in this
 * process) issuing client-credentials JWTs, with the official SDK client sending them. Hand-made
 * tokens only for what a provider would never issue (expired, foreign issuer, tampered, `none`).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { eventually, receivedMessages, receivedToolCalls, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';
import { Clients, initializeBody, post } from './helpers.js';
import { startProvider, type RunningProvider, type TestClient } from './provider.js';

const CI: TestClient = { id: 'ci-bot', secret: 'ci-bot-secret-0123456789', scope: 'mcp:tools', groups: ['ci'] };
const ALICE: TestClient = { id: 'alice-desktop', secret: 'alice-secret-0123456789', scope: 'mcp:tools', groups: ['humans'] };
const NO_SCOPE: TestClient = { id: 'scopeless', secret: 'scopeless-secret-0123456789', scope: 'other' };
const API_KEY = 'api-key-agent-0123456789';

describe('OAuth: JWTs from a real OpenID provider', { timeout: 180_000 }, () => {
  let idp: RunningProvider;
  let gw: StartedGateway;
  const clients = new Clients();
  const token = (client: TestClient, resource = gw.url('app'), scope?: string) => idp.token(client, resource, scope);

  /** A token toolgate's issuer never issued, signed with one of its keys (or `key`), claims as given. */
  const forge = async (claims: JWTPayload, options: { key?: JsonWebKey & { kid?: string }; issuer?: string } = {}) => {
    const jwk = options.key ?? idp.signingKeys[0];
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: CI.id, scope: 'mcp:tools', ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: (jwk as { kid?: string }).kid })
      .setIssuer(options.issuer ?? idp.issuer)
      .setAudience((claims.aud as string | undefined) ?? gw.url('app'))
      .setIssuedAt(now - 10)
      .setExpirationTime((claims.exp as number | undefined) ?? now + 300)
      .sign(await importJWK(jwk, 'ES256'));
  };

  before(async () => {
    idp = await startProvider([CI, ALICE, NO_SCOPE]);
    gw = await startGateway(`
auth:
  agents:
    keyed: { key: "${API_KEY}", groups: [ci] }
  oauth:
    issuer: ${idp.issuer}
    required_scopes: [mcp:tools]
    jwks_cooldown: 1s
servers:
  app: $RECORDING
policies:
  app:
    tools:
      echo: { rate_limit: { max: 3, window: 1h, scope: agent } }
      get_status:
        conditions:
          - { if: 'agent.id == "ci-bot" && agent.claims.scope == "mcp:tools"', action: allow }
          - { if: 'true', action: deny, reason: "status is for ci-bot" }
`);
  });
  after(async () => {
    await clients.closeAll();
    await gw?.close();
    await idp?.close();
  });

  test('the metadata names the issuer; a real token lets the SDK client in as the agent its client_id names, with its groups', async () => {
    const metadata = await (await fetch(`${gw.baseUrl}/.well-known/oauth-protected-resource/mcp/app`)).json();
    assert.deepEqual(metadata.authorization_servers, [idp.issuer]);
    assert.deepEqual(metadata.scopes_supported, ['mcp:tools']);
    const challenge = (await post(gw.url('app'), initializeBody())).headers.get('www-authenticate');
    assert.match(challenge ?? '', /^Bearer resource_metadata=".*\/\.well-known\/oauth-protected-resource\/mcp\/app"$/);

    const { client } = await clients.as(gw.url('app'), await token(CI));
    assert.equal(resultText(await client.callTool({ name: 'get_status', arguments: {} })), 'ok');
    const event = gw.decisions.at(-1)!;
    assert.equal(event.call.agent?.id, 'ci-bot');
    assert.equal(event.call.agent?.via, 'oauth');
    assert.deepEqual(event.call.agent?.groups, ['ci']);
    assert.ok(idp.jwksFetches > 0, 'the JWKS was discovered from the issuer metadata and fetched');
  });

  test('scope agent holds across sessions and fresh tokens: 5 calls in 5 sessions admit 3; another agent keeps its own 3', async () => {
    const outcomes: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const { client } = await clients.as(gw.url('app'), await token(CI)); // a new token each time, too
      outcomes.push((await client.callTool({ name: 'echo', arguments: { text: `oauth ci ${i}` } })).isError !== true);
    }
    assert.deepEqual(outcomes, [true, true, true, false, false]);
    const alice = (await clients.as(gw.url('app'), await token(ALICE))).client;
    for (let i = 0; i < 3; i++) assert.equal(resultText(await alice.callTool({ name: 'echo', arguments: { text: `oauth alice ${i}` } })), `oauth alice ${i}`);
    await alice.ping();
    const texts = receivedMessages(gw.recordFile).map((e) => (e.message.params?.arguments as { text?: string } | undefined)?.text ?? '');
    assert.equal(texts.filter((t) => t.startsWith('oauth ci ')).length, 3);
    assert.equal(texts.filter((t) => t.startsWith('oauth alice ')).length, 3);
  });

  test("a CEL condition on agent.id refuses another agent, and a session is refused with another agent's token", async () => {
    const before = receivedToolCalls(gw.recordFile).filter((n) => n === 'get_status').length;
    const alice = await clients.as(gw.url('app'), await token(ALICE));
    assert.match(resultText(await alice.client.callTool({ name: 'get_status', arguments: {} })), /status is for ci-bot/);
    const stolen = await post(gw.url('app'), { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'get_status', arguments: {} } }, {
      authorization: `Bearer ${await token(CI)}`,
      'mcp-session-id': alice.transport.sessionId!,
    });
    assert.equal(stolen.status, 404);
    await alice.client.ping();
    assert.equal(receivedToolCalls(gw.recordFile).filter((n) => n === 'get_status').length, before);
  });

  test('bad tokens: each refused with 401 invalid_token and a precise reason; too little scope: 403', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const stranger = { ...(privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: idp.signingKeys[0].kid };
    const real = await token(CI);
    const [head, body, signature] = real.split('.');
    const tamperedBody = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), client_id: 'alice-desktop' })).toString('base64url');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${body}.`;
    const hmacWithPublicKey = await new SignJWT({ client_id: CI.id, scope: 'mcp:tools' })
      .setProtectedHeader({ alg: 'HS256', kid: idp.signingKeys[0].kid })
      .setIssuer(idp.issuer)
      .setAudience(gw.url('app'))
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(JSON.stringify(publicKey.export({ format: 'jwk' }))));
    const cases: Array<[string, string | Promise<string>, RegExp]> = [
      ['expired', forge({ exp: now - 120 }), /expired/],
      ['not yet valid', forge({ nbf: now + 600 }), /not valid yet/],
      ['wrong audience (a real token for another resource)', token(CI, 'https://other.example/mcp'), /another resource/],
      ['wrong issuer', forge({}, { issuer: 'https://evil.example' }), /another issuer/],
      ['tampered payload', `${head}.${tamperedBody}.${signature}`, /signature does not verify/],
      ['signed by a stranger with the issuer\'s kid', forge({}, { key: stranger }), /signature does not verify/],
      ['alg none', none, /algorithm toolgate does not accept/],
      ['HS256 keyed with the public key', hmacWithPublicKey, /algorithm toolgate does not accept/],
      ['garbage in JWT shape', 'abc.def.ghi', /not a valid JWT|neither a known API key/],
    ];
    for (const [name, pending, reason] of cases) {
      const response = await post(gw.url('app'), initializeBody(), { authorization: `Bearer ${await pending}` });
      assert.equal(response.status, 401, `${name}: ${response.text}`);
      const challenge = response.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /error="invalid_token"/, name);
      assert.match(JSON.parse(response.text).error_description, reason, name);
    }
    const scopeless = await post(gw.url('app'), initializeBody(), { authorization: `Bearer ${await token(NO_SCOPE, gw.url('app'), 'other')}` });
    assert.equal(scopeless.status, 403);
    assert.match(scopeless.headers.get('www-authenticate') ?? '', /error="insufficient_scope", error_description=".*mcp:tools.*", scope="mcp:tools"/);
    assert.ok(!receivedMessages(gw.recordFile).some((e) => e.message.method === 'initialize' && (e.message.params?.clientInfo as { name?: string })?.name === 'raw'), 'no refused request reached the upstream');
  });

  test('key rotation: a token signed with the new key is accepted once the JWKS is fetched again; old tokens still are', async () => {
    const old = await token(CI);
    idp.rotate();
    const fresh = await token(CI);
    assert.notEqual(JSON.parse(Buffer.from(fresh.split('.')[0], 'base64url').toString()).kid, JSON.parse(Buffer.from(old.split('.')[0], 'base64url').toString()).kid);
    // Within jwks_cooldown (1s) of the last fetch an unknown kid is refused; after it, the JWKS is fetched again.
    await eventually(async () => (await post(gw.url('app'), initializeBody(), { authorization: `Bearer ${fresh}` })).status === 200, 15_000, 'the rotated key to be accepted');
    assert.equal((await post(gw.url('app'), initializeBody(), { authorization: `Bearer ${old}` })).status, 200);
  });

  test('a remembered verification ends when the token expires: a short-lived token is let in, then refused', async () => {
    const strict = await startGateway(`
auth:
  oauth: { issuer: ${idp.issuer}, clock_skew: 1s }
servers:
  app: $RECORDING
`);
    try {
      const now = Math.floor(Date.now() / 1000);
      const shortLived = await forge({ exp: now + 3, aud: strict.url('app') });
      const status = async () => (await post(strict.url('app'), initializeBody(), { authorization: `Bearer ${shortLived}` })).status;
      assert.equal(await status(), 200);
      assert.equal(await status(), 200, 'again, from the remembered verification');
      await eventually(async () => (await status()) === 401, 20_000, 'the expired token to be refused');
    } finally {
      await strict.close();
    }
  });

  test('an unknown kid while the JWKS is unreachable: 503, fail closed; API keys and known keys keep working', async () => {
    const known = await token(CI);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const unknownKid = await forge({}, { key: { ...(privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: randomUUID() } });
    idp.pause();
    try {
      const refused = await eventually(async () => {
        const response = await post(gw.url('app'), initializeBody(), { authorization: `Bearer ${unknownKid}` });
        return response.status === 503 ? response : undefined;
      }, 15_000, 'a 503 once the cooldown allows a fetch');
      assert.match(JSON.parse(refused.text).error_description, /cannot read the signing keys/);
      assert.equal((await post(gw.url('app'), initializeBody(), { authorization: `Bearer ${API_KEY}` })).status, 200, 'API keys still work');
      assert.equal((await post(gw.url('app'), initializeBody(), { authorization: `Bearer ${known}` })).status, 200, 'a token with a cached key still works');
    } finally {
      idp.resume();
    }
  });
});
