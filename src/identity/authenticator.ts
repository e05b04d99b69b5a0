import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuthConfig, Config } from '../config/types.js';
import { anonymousAgent, type Agent } from './agent.js';
import { ApiKeys } from './api-keys.js';
import { OAuthVerifier } from './oauth.js';

/** Longest `Authorization` header read; a longer one is refused before any parsing or hashing. */
export const MAX_AUTHORIZATION_LENGTH = 8192;

/** Why a request was not let in, in the terms of RFC 6750 (Bearer tokens) section 3. */
export interface AuthRefusal {
  ok: false;
  status: 401 | 403 | 503;
  /** Absent when the request carried no credentials at all (RFC 6750 3.1: then no error code). */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';
  description: string;
  /** The scopes that would do, for `insufficient_scope`. */
  scope?: string;
}

export type AuthOutcome = { ok: true; agent: Agent } | AuthRefusal;

/** Verifies a bearer token that is not an API key (a JWT); undefined when it is not one it knows. */
export interface TokenVerifier {
  verify(token: string, serverId: string, publicUrl: string): Promise<AuthOutcome | undefined>;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Turns a request's `Authorization` header into the calling agent, from `auth`: an API key of
 * `auth.agents`, else a JWT of `auth.oauth` (through `tokens`). Immutable; a reload builds a new one.
 */
export class Authenticator {
  readonly #auth: AuthConfig | undefined;
  readonly #keys: ApiKeys;
  readonly #tokens: TokenVerifier | undefined;

  constructor(auth: AuthConfig | undefined, tokens?: TokenVerifier) {
    this.#auth = auth;
    this.#keys = new ApiKeys(auth?.agents ?? {});
    this.#tokens = tokens;
  }

  /** True when requests are checked at all (an `auth:` section is configured). */
  get enabled(): boolean {
    return this.#auth !== undefined;
  }

  async authenticate(authorization: string | undefined, serverId: string, publicUrl: string): Promise<AuthOutcome> {
    if (this.#auth === undefined) return { ok: true, agent: unverifiedCaller(authorization) };
    if (authorization === undefined || authorization === '') {
      if (this.#auth.anonymous === 'allow') return { ok: true, agent: anonymousAgent() };
      return { ok: false, status: 401, description: 'This MCP server needs credentials: send Authorization: Bearer <API key or access token>' };
    }
    if (authorization.length > MAX_AUTHORIZATION_LENGTH) {
      return { ok: false, status: 401, error: 'invalid_request', description: `The Authorization header is ${authorization.length} characters long; toolgate reads at most ${MAX_AUTHORIZATION_LENGTH}` };
    }
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) {
      return { ok: false, status: 401, error: 'invalid_request', description: 'The Authorization header must be: Bearer <token> (RFC 6750); other schemes are not accepted' };
    }
    const agent = this.#keys.find(token);
    if (agent) return { ok: true, agent };
    const verified = await this.#tokens?.verify(token, serverId, publicUrl);
    if (verified) return verified;
    return { ok: false, status: 401, error: 'invalid_token', description: this.#tokens ? 'The bearer token is neither a known API key nor an access token of the configured issuer' : 'The bearer token is not a known API key' };
  }
}

/** The authenticator of `config.auth`, with a JWT verifier when `auth.oauth` is set. */
export function authenticatorFor(config: Config, log: Logger): Authenticator {
  const oauth = config.auth?.oauth;
  return new Authenticator(config.auth, oauth && new OAuthVerifier(oauth, log));
}

/**
 * Without `auth`, nobody is verified: every caller is `anonymous`, but callers with different
 * credentials still never share what the gateway keeps per caller (their key is a digest).
 */
function unverifiedCaller(authorization: string | undefined): Agent {
  if (authorization === undefined) return anonymousAgent();
  return anonymousAgent(`credentials:${createHash('sha256').update(authorization).digest('base64url').slice(0, 22)}`);
}
