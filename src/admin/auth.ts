/**
 * Who may use the admin API: a request that carries the shared admin token or a named operator's
 * token (`admin.users`), either as `Authorization: Bearer <token>` (scripts, Prometheus) or as the
 * dashboard's session cookie. The shared token is one more operator with the `admin` role.
 *
 * The cookie holds no token. For the shared token it is `<issued-at>.<HMAC-SHA256(token,
 * issued-at)>`; for an operator `<issued-at>.<name>.<HMAC>` (name in base64url), the HMAC keyed by
 * the shared token (a secret toolgate always has) over the name, the SHA-256 of the operator's
 * token and the issued-at, so it is worthless once either token changes or the operator is
 * removed. It expires after SESSION_MAX_AGE_S. It is HttpOnly (page scripts cannot read it) and
 * SameSite=Strict. Because every loopback port counts as the same site, a cookie alone is accepted
 * only from this gateway's own origin: a request with any other `Origin`, or marked cross-origin
 * by `Sec-Fetch-Site`, must use the Bearer header.
 *
 * Every comparison is constant-time over fixed-length digests, so neither the content nor the
 * length of a token leaks through timing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { OperatorConfig, OperatorRole } from '../config/types.js';
import { SecretDigests } from '../identity/secret-digests.js';
import { adminError } from './http.js';

export const COOKIE_NAME = 'toolgate_admin';
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

export type Credential = 'bearer' | 'cookie';

/** Who proved themselves: a named operator of `admin.users`, or (no name) the holder of the shared admin token. */
export interface Operator {
  readonly name?: string;
  readonly role: OperatorRole;
  /** Lower-case hex SHA-256 of the operator's token. */
  readonly tokenSha256: string;
}

export interface Authenticated {
  readonly credential: Credential;
  readonly operator: Operator;
}

const ROLE_RANK: Readonly<Record<OperatorRole, number>> = { viewer: 0, approver: 1, admin: 2 };

/** Throws `forbidden` (403) naming the role needed when `operator` may not do `what`. */
export function requireRole(operator: Operator, needed: OperatorRole, what: string): void {
  if (ROLE_RANK[operator.role] >= ROLE_RANK[needed]) return;
  throw adminError('forbidden', `Operator \`${operator.name}\` has the role \`${operator.role}\`; ${what} needs the role \`${needed}\` or higher`, 'sign in as an operator with that role, or give this one the role in admin.users');
}

export class AdminAuth {
  readonly #token: string;
  readonly #shared: Operator;
  readonly #operators: SecretDigests<Operator>;
  readonly #byName: ReadonlyMap<string, Operator>;
  readonly #now: () => number;

  constructor(token: string, users: Readonly<Record<string, OperatorConfig>> = {}, now: () => number = Date.now) {
    this.#token = token;
    const shared: Operator = { role: 'admin', tokenSha256: sha256(token).toString('hex') };
    this.#shared = shared;
    const named = Object.entries(users).map(([name, user]): Operator => ({ name, role: user.role, tokenSha256: user.tokenSha256 }));
    this.#operators = new SecretDigests([shared, ...named].map((operator) => ({ sha256: operator.tokenSha256, holder: operator })));
    this.#byName = new Map(named.map((operator) => [operator.name!, operator]));
    this.#now = now;
  }

  /** The operator whose token `candidate` is, or undefined. */
  find(candidate: string): Operator | undefined {
    return this.#operators.find(candidate);
  }

  /** How the request proved who it is, or undefined. */
  authenticate(request: IncomingMessage): Authenticated | undefined {
    const header = request.headers.authorization;
    if (typeof header === 'string') {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      // A wrong Bearer fails even with a good cookie: the client said who it is, and it is not.
      const operator = match ? this.find(match[1]) : undefined;
      return operator && { credential: 'bearer', operator };
    }
    const cookie = readCookie(request.headers.cookie, COOKIE_NAME);
    if (cookie === undefined || !sameOrigin(request)) return undefined;
    const operator = this.#sessionOperator(cookie);
    return operator && { credential: 'cookie', operator };
  }

  /** A fresh session cookie value for `operator`. */
  issueSession(operator: Operator): string {
    const issued = Math.floor(this.#now() / 1000).toString(36);
    if (operator.name === undefined) return `${issued}.${this.#sign(issued)}`;
    const name = Buffer.from(operator.name, 'utf8').toString('base64url');
    return `${issued}.${name}.${this.#signFor(operator, issued)}`;
  }

  /** The Set-Cookie header value for a session, or for signing out (`value` undefined). */
  static cookieHeader(value: string | undefined): string {
    const attributes = 'Path=/; HttpOnly; SameSite=Strict';
    return value === undefined ? `${COOKIE_NAME}=; ${attributes}; Max-Age=0` : `${COOKIE_NAME}=${value}; ${attributes}; Max-Age=${SESSION_MAX_AGE_S}`;
  }

  #sessionOperator(value: string): Operator | undefined {
    const parts = value.split('.');
    if (parts.length !== 2 && parts.length !== 3) return undefined;
    const issued = parts[0];
    if (issued === '') return undefined;
    let operator: Operator | undefined;
    let expected: string;
    if (parts.length === 2) {
      operator = this.#shared;
      expected = this.#sign(issued);
    } else {
      operator = this.#byName.get(Buffer.from(parts[1], 'base64url').toString('utf8'));
      if (operator === undefined) return undefined;
      expected = this.#signFor(operator, issued);
    }
    const signature = Buffer.from(parts.at(-1)!, 'base64url');
    const wanted = Buffer.from(expected, 'base64url');
    if (signature.length !== wanted.length || !timingSafeEqual(signature, wanted)) return undefined;
    const age = this.#now() / 1000 - parseInt(issued, 36);
    return age >= -60 && age <= SESSION_MAX_AGE_S ? operator : undefined;
  }

  #sign(issued: string): string {
    return createHmac('sha256', this.#token).update(`toolgate-dashboard-session:${issued}`).digest('base64url');
  }

  #signFor(operator: Operator, issued: string): string {
    return createHmac('sha256', this.#token).update(`toolgate-dashboard-operator-session:${operator.name}:${operator.tokenSha256}:${issued}`).digest('base64url');
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The request comes from a page this gateway served (or from no page at all). */
export function sameOrigin(request: IncomingMessage): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return origin === `http://${request.headers.host}` || origin === `https://${request.headers.host}`;
}
