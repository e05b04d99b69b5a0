/**
 * A real OpenID provider for the identity tests: `oidc-provider` (OpenID-certified), in this
 * process on a loopback port, issuing client-credentials access tokens as JWTs (RFC 9068) for the
 * resource asked for (RFC 8707). Its signing keys can be rotated: the JWKS then publishes the new
 * key and the old one, and new tokens are signed with the new key.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestClient {
  id: string;
  secret: string;
  scope: string;
  groups?: string[];
}

export interface RunningProvider {
  issuer: string;
  jwksUri: string;
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: number;
  /** A client-credentials access token of `client` for `resource`. */
  token(client: TestClient, resource: string, scope?: string): Promise<string>;
  /** Publishes a new signing key (the old one stays published) and signs new tokens with it. */
  rotate(): void;
  /** The private signing keys, newest first (to forge tokens the provider never issued). */
  readonly signingKeys: Array<JsonWebKey & { kid: string }>;
  /** Stops answering (to test an unreachable JWKS); `resume` answers again. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

function newSigningKey(): JsonWebKey & { kid: string; alg: string; use: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...(privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}

export async function startProvider(clients: TestClient[]): Promise<RunningProvider> {
  let handler: (request: IncomingMessage, response: ServerResponse) => void = (_q, r) => r.writeHead(503).end();
  let paused = false;
  let jwksFetches = 0;
  const server: Server = createServer((request, response) => {
    if (paused) {
      request.socket.destroy();
      return;
    }
    if (request.url?.startsWith('/jwks')) jwksFetches++;
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keys = [newSigningKey()];
  const groupsOf = new Map(clients.map((client) => [client.id, client.groups ?? []]));
  const build = () => {
    const provider = new Provider(issuer, {
      clients: clients.map((client) => ({
        client_id: client.id,
        client_secret: client.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: client.scope,
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'ES256',
      })),
      jwks: { keys },
      scopes: ['mcp:tools', 'mcp:admin', 'other'],
      features: {
        clientCredentials: { enabled: true },
        introspection: { enabled: false },
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => ({ scope: 'mcp:tools mcp:admin other', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'ES256' } } }),
        },
      },
      ttl: { ClientCredentials: 300 },
      extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) => ({ groups: groupsOf.get(token.clientId ?? '') ?? [] }),
    });
    provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider error: ${String(error)}\n`));
    handler = provider.callback();
  };
  build();
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    get jwksFetches() {
      return jwksFetches;
    },
    get signingKeys() {
      return keys;
    },
    async token(client, resource, scope = client.scope) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, resource, scope }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!body.access_token) throw new Error(`the provider refused a token: ${body.error}: ${body.error_description}`);
      return body.access_token;
    },
    rotate() {
      keys.unshift(newSigningKey());
      build();
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
