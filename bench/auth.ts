/**
 * What checking an agent's credentials costs per request, through the gateway's own Authenticator:
 * an API key among 50 configured agents, an access token (ES256 JWT) seen for the first time
 * (signature, issuer, audience, expiry checked against a JWKS served from this process), and the
 * same token again (remembered once verified).
 *
 *   npm run build && node dist/bench/auth.js [--calls 2000]
 *
 * Prints p50, p99 and mean in microseconds for each, and exits 1 if any request was refused (so
 * a figure for a check that failed early cannot pass for one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import type { AuthConfig } from '../src/config/types.js';
import { Authenticator } from '../src/identity/authenticator.js';
import { OAuthVerifier } from '../src/identity/oauth.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' } } });
const calls = Number(values.calls);
if (!Number.isInteger(calls) || calls < 2 || calls > 1_000_000) {
  console.error(`--calls must be a whole number from 2 to 1,000,000 (got ${values.calls})`);
  process.exit(2);
}

const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] });
const jwksServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}`;
const publicUrl = 'https://toolgate.bench.example';

const keys = Array.from({ length: 50 }, () => randomBytes(24).toString('base64url'));
const auth: AuthConfig = {
  agents: Object.fromEntries(keys.map((key, i) => [`agent-${i}`, { keySha256: createHash('sha256').update(key).digest('hex'), groups: ['bench'] }])),
  anonymous: 'deny',
  publicUrl,
  oauth: { issuer, jwksUri: `${issuer}/jwks`, agentClaim: 'client_id', groupsClaim: 'groups', requiredScopes: ['mcp:tools'], clockSkewMs: 30_000, jwksCooldownMs: 30_000 },
};
const authenticator = new Authenticator(auth, new OAuthVerifier(auth.oauth!, pino({ level: 'silent' })));

const token = (i: number): Promise<string> =>
  new SignJWT({ client_id: `client-${i}`, scope: 'mcp:tools' })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setIssuer(issuer)
    .setAudience(`${publicUrl}/mcp/app`)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
const freshTokens = await Promise.all(Array.from({ length: calls }, (_, i) => token(i)));
const repeated = await token(-1);

async function measure(name: string, header: (i: number) => string): Promise<void> {
  await authenticator.authenticate(header(0), 'app', publicUrl); // the JWKS fetch is not a per-request cost
  const micros: number[] = [];
  for (let i = 1; i < calls; i++) {
    const started = process.hrtime.bigint();
    const outcome = await authenticator.authenticate(header(i), 'app', publicUrl);
    micros.push(Number(process.hrtime.bigint() - started) / 1000);
    if (!outcome.ok) throw new Error(`${name}: request ${i} was refused: ${outcome.description}`);
  }
  micros.sort((a, b) => a - b);
  const at = (q: number) => micros[Math.min(micros.length - 1, Math.floor(q * micros.length))].toFixed(1);
  const mean = (micros.reduce((sum, m) => sum + m, 0) / micros.length).toFixed(1);
  console.log(`${name.padEnd(36)} p50 ${at(0.5).padStart(7)} µs   p99 ${at(0.99).padStart(7)} µs   mean ${mean.padStart(7)} µs`);
}

try {
  console.log(`credential checks per request (${calls - 1} each, after one warm-up)`);
  await measure('API key (50 agents configured)', (i) => `Bearer ${keys[i % keys.length]}`);
  await measure('JWT, first time (signature checked)', (i) => `Bearer ${freshTokens[i]}`);
  await measure('JWT, same token again (remembered)', () => `Bearer ${repeated}`);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  jwksServer.close();
}
