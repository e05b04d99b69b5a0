/**
 * Who may use the admin API: a request that carries the admin token, either as
 * `Authorization: Bearer <token>` (scripts, Prometheus) or as the dashboard's session cookie.
 *
 * The cookie holds no token: it is `<issued-at>.<HMAC-SHA256(token, issued-at)>`, so it is
 * worthless once the token changes, and it expires after SESSION_MAX_AGE_S. It is HttpOnly (page
 * scripts cannot read it) and SameSite=Strict. Because every loopback port counts as the same
 * site, a cookie alone is accepted only from this gateway's own origin: a request with any other
 * `Origin`, or marked cross-origin by `Sec-Fetch-Site`, must use the Bearer header.
 *
 * Every comparison is constant-time over fixed-length digests, so neither the content nor the
 * length of the token leaks through timing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'toolgate_admin';
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

export type Credential = 'bearer' | 'cookie';

export class AdminAuth {
  readonly #digest: Buffer;
  readonly #token: string;
  readonly #now: () => number;

  constructor(token: string, now: () => number = Date.now) {
    this.#token = token;
    this.#digest = sha256(token);
    this.#now = now;
  }

  /** True when `candidate` is the admin token. */
  matches(candidate: string): boolean {
    return timingSafeEqual(sha256(candidate), this.#digest);
  }

  /** How the request proved it holds the token, or undefined. */
  authenticate(request: IncomingMessage): Credential | undefined {
    const header = request.headers.authorization;
    if (typeof header === 'string') {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      // A wrong Bearer fails even with a good cookie: the client said who it is, and it is not.
      return match && this.matches(match[1]) ? 'bearer' : undefined;
    }
    const cookie = readCookie(request.headers.cookie, COOKIE_NAME);
    if (cookie !== undefined && sameOrigin(request) && this.#validSession(cookie)) return 'cookie';
    return undefined;
  }

  /** A fresh session cookie value. */
  issueSession(): string {
    const issued = Math.floor(this.#now() / 1000).toString(36);
    return `${issued}.${this.#sign(issued)}`;
  }

  /** The Set-Cookie header value for a session, or for signing out (`value` undefined). */
  static cookieHeader(value: string | undefined): string {
    const attributes = 'Path=/; HttpOnly; SameSite=Strict';
    return value === undefined ? `${COOKIE_NAME}=; ${attributes}; Max-Age=0` : `${COOKIE_NAME}=${value}; ${attributes}; Max-Age=${SESSION_MAX_AGE_S}`;
  }

  #validSession(value: string): boolean {
    const dot = value.indexOf('.');
    if (dot <= 0) return false;
    const issued = value.slice(0, dot);
    const signature = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#sign(issued), 'base64url');
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return false;
    const age = this.#now() / 1000 - parseInt(issued, 36);
    return age >= -60 && age <= SESSION_MAX_AGE_S;
  }

  #sign(issued: string): string {
    return createHmac('sha256', this.#token).update(`toolgate-dashboard-session:${issued}`).digest('base64url');
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
