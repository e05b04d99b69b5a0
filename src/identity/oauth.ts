import { createHash } from 'node:crypto';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import type { OAuthConfig } from '../config/types.js';
import { AGENT_BOUNDS, namedAgent } from './agent.js';
import type { AuthOutcome, AuthRefusal, TokenVerifier } from './authenticator.js';

/** Asymmetric signatures only: never `none`, never an HMAC whose "secret" could be the public key. */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** How long a fetch of the issuer's metadata or JWKS may take. */
const FETCH_TIMEOUT_MS = 5_000;
/** After a failed discovery, the next request tries again no sooner than this. */
const DISCOVERY_RETRY_MS = 5_000;
/** Largest issuer metadata document read. */
const MAX_METADATA_BYTES = 256 * 1024;
/**
 * Verified tokens remembered, so a session's every request does not verify the same signature
 * again (a signature check costs ~100x a cache lookup). Bounded; an entry lasts until the token
 * expires (with the allowed skew) and at most `VERIFIED_TTL_MS`, so a key the issuer withdraws
 * stops letting its tokens in within that time.
 */
const MAX_VERIFIED = 10_000;
const VERIFIED_TTL_MS = 60_000;

/**
 * jose (46 modules, about 1 MB of heap) is imported with the first token to verify, so a gateway
 * without `auth.oauth` never holds it.
 */
let joseLibrary: Promise<typeof import('jose')> | undefined;
const jose = () => (joseLibrary ??= import('jose'));

/**
 * Verifies JWT access tokens of `auth.oauth` with `jose`: the signature against the issuer's JWKS
 * (discovered from its metadata unless `jwks_uri` is given; cached, fetched again for an unknown
 * `kid`, so a key rotation is followed), then `iss`, `aud` (RFC 8707: a token for another resource
 * is refused), `exp`/`nbf` with the configured skew, the required scopes, and the agent claim.
 * A JWKS or metadata that cannot be fetched refuses the request with 503: fail closed.
 */
export class OAuthVerifier implements TokenVerifier {
  readonly #config: OAuthConfig;
  readonly #log: Logger;
  #keys?: Promise<JWTVerifyGetKey>;
  #discoveryFailedAt = Number.NEGATIVE_INFINITY;
  /** SHA-256 of a token (for this server's audience) → its agent, until `until` (ms epoch). */
  readonly #verified = new Map<string, { outcome: AuthOutcome; until: number }>();

  constructor(config: OAuthConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
  }

  async verify(token: string, serverId: string, publicUrl: string): Promise<AuthOutcome | undefined> {
    if (!JWT_SHAPE.test(token)) return undefined;
    const audience = this.#config.audience ?? [publicUrl, `${publicUrl}/mcp/${encodeURIComponent(serverId)}`];
    const cacheKey = createHash('sha256').update(token).update('\0').update(audience.join('\0')).digest('base64url');
    const cached = this.#verified.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.outcome;
    if (cached) this.#verified.delete(cacheKey);
    const outcome = await this.#verify(token, audience);
    if (outcome.ok) this.#remember(cacheKey, outcome);
    return outcome;
  }

  #remember(cacheKey: string, outcome: Extract<AuthOutcome, { ok: true }>): void {
    const exp = outcome.agent.claims.exp;
    if (typeof exp !== 'number') return;
    if (this.#verified.size >= MAX_VERIFIED) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(cacheKey, { outcome, until: Math.min(exp * 1000 + this.#config.clockSkewMs, Date.now() + VERIFIED_TTL_MS) });
  }

  async #verify(token: string, audience: string[]): Promise<AuthOutcome> {
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.#jwks();
    } catch (error) {
      return unavailable(`toolgate cannot read the signing keys of ${this.#config.issuer}: ${(error as Error).message}`);
    }
    const { errors, jwtVerify } = await jose();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.#config.issuer,
        audience,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: this.#config.clockSkewMs / 1000,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      return this.#refusal(error, audience, errors);
    }
    return this.#agentOf(payload);
  }

  #agentOf(payload: JWTPayload): AuthOutcome {
    const id = payload[this.#config.agentClaim];
    if (typeof id !== 'string' || id === '' || id.length > AGENT_BOUNDS.idLength) {
      return invalid(`the token's \`${this.#config.agentClaim}\` claim (auth.oauth.agent_claim) is missing or not a name of 1 to ${AGENT_BOUNDS.idLength} characters`);
    }
    const granted = scopesOf(payload);
    const missing = this.#config.requiredScopes.filter((scope) => !granted.has(scope));
    if (missing.length > 0) {
      return {
        ok: false,
        status: 403,
        error: 'insufficient_scope',
        description: `The token lacks the scope${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (auth.oauth.required_scopes)`,
        scope: this.#config.requiredScopes.join(' '),
      };
    }
    return { ok: true, agent: namedAgent(id, groupsOf(payload[this.#config.groupsClaim]), 'oauth', payload as Record<string, unknown>) };
  }

  #refusal(error: unknown, audience: readonly string[], errors: typeof import('jose').errors): AuthRefusal {
    if (error instanceof errors.JWTExpired) return invalid('The access token expired; get a new one');
    if (error instanceof errors.JWTClaimValidationFailed) {
      switch (error.claim) {
        case 'iss':
          return invalid(`The access token was issued by another issuer; toolgate accepts tokens of ${this.#config.issuer} (auth.oauth.issuer)`);
        case 'aud':
          return invalid(`The access token is for another resource; its audience must be one of ${audience.join(', ')} (RFC 8707: ask for it with resource=<the MCP server URL>)`);
        case 'nbf':
          return invalid('The access token is not valid yet (nbf)');
        default:
          return invalid(`The access token's \`${error.claim}\` claim is not acceptable: ${error.message}`);
      }
    }
    if (error instanceof errors.JOSEAlgNotAllowed) return invalid(`The access token is signed with an algorithm toolgate does not accept; accepted: ${ALLOWED_ALGORITHMS.join(', ')}`);
    if (error instanceof errors.JWKSNoMatchingKey) return invalid(`The access token is signed with a key ${this.#config.issuer} does not publish`);
    if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('The access token\'s signature does not verify');
    if (error instanceof errors.JWKSTimeout) return unavailable(`toolgate cannot read the signing keys of ${this.#config.issuer}: the JWKS did not answer within ${FETCH_TIMEOUT_MS / 1000}s`);
    if (error instanceof errors.JOSEError) return invalid(`The access token is not a valid JWT: ${error.message}`);
    // Not jose's verdict on the token: the JWKS could not be fetched or read.
    this.#log.warn({ err: error, issuer: this.#config.issuer }, 'cannot fetch the JWKS; requests with access tokens are refused until it can be read');
    return unavailable(`toolgate cannot read the signing keys of ${this.#config.issuer}: ${(error as Error).message}`);
  }

  /** The key set, once its URL is known; a failed discovery is tried again after a pause. */
  #jwks(): Promise<JWTVerifyGetKey> {
    if (this.#keys) return this.#keys;
    if (performance.now() - this.#discoveryFailedAt < DISCOVERY_RETRY_MS) {
      return Promise.reject(new Error(`its metadata could not be read a moment ago; retrying in a few seconds`));
    }
    this.#keys = Promise.all([this.#jwksUri(), jose()]).then(
      ([uri, { createRemoteJWKSet }]) => createRemoteJWKSet(new URL(uri), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: this.#config.jwksCooldownMs }),
      (error: unknown) => {
        this.#keys = undefined;
        this.#discoveryFailedAt = performance.now();
        this.#log.warn({ err: error, issuer: this.#config.issuer }, 'cannot discover the issuer\'s JWKS');
        throw error;
      },
    );
    return this.#keys;
  }

  /** `jwks_uri` from the config, else from RFC 8414 metadata, else OpenID Connect discovery. */
  async #jwksUri(): Promise<string> {
    if (this.#config.jwksUri) return this.#config.jwksUri;
    const issuer = new URL(this.#config.issuer);
    const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
    const candidates = [`${issuer.origin}/.well-known/oauth-authorization-server${path}`, `${this.#config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`];
    const problems: string[] = [];
    for (const url of candidates) {
      try {
        const metadata = await fetchMetadata(url);
        if (metadata.issuer !== this.#config.issuer) {
          problems.push(`${url} names the issuer ${JSON.stringify(metadata.issuer)}, not ${this.#config.issuer}`);
          continue;
        }
        if (typeof metadata.jwks_uri !== 'string' || !/^https?:\/\//i.test(metadata.jwks_uri)) {
          problems.push(`${url} has no jwks_uri`);
          continue;
        }
        return metadata.jwks_uri;
      } catch (error) {
        problems.push(`${url}: ${(error as Error).message}`);
      }
    }
    throw new Error(`no usable metadata (${problems.join('; ')}); set auth.oauth.jwks_uri, or check auth.oauth.issuer`);
  }
}

async function fetchMetadata(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error', headers: { accept: 'application/json' } });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  const text = await response.text();
  if (text.length > MAX_METADATA_BYTES) throw new Error(`the document is larger than ${MAX_METADATA_BYTES} bytes`);
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('the document is not a JSON object');
  return value as Record<string, unknown>;
}

/** `scope` (RFC 9068: space-separated) or `scp` (an array, as some IdPs write it). */
function scopesOf(payload: JWTPayload): Set<string> {
  const scope = payload.scope ?? payload.scp;
  if (typeof scope === 'string') return new Set(scope.split(' ').filter(Boolean));
  if (Array.isArray(scope)) return new Set(scope.filter((s): s is string => typeof s === 'string'));
  return new Set();
}

/** An array of names or a space-separated string; names too long are dropped, at most `AGENT_BOUNDS.groups` kept. */
function groupsOf(value: unknown): string[] {
  const names = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
  return names.filter((g): g is string => typeof g === 'string' && g !== '' && g.length <= AGENT_BOUNDS.groupLength).slice(0, AGENT_BOUNDS.groups);
}

function invalid(description: string): AuthRefusal {
  return { ok: false, status: 401, error: 'invalid_token', description };
}

function unavailable(description: string): AuthRefusal {
  return { ok: false, status: 503, error: 'temporarily_unavailable', description: `${description}; try again later` };
}
