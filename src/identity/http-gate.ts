import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AuthConfig } from '../config/types.js';
import type { Agent } from './agent.js';
import type { AuthRefusal, Authenticator } from './authenticator.js';

const METADATA_PATH = '/.well-known/oauth-protected-resource';
const METADATA_FOR_SERVER = /^\/\.well-known\/oauth-protected-resource\/mcp\/([^/]+)\/?$/;

/**
 * The HTTP side of agent identity: admits a request to `/mcp/<server-id>` as its agent or answers
 * 401/403 with the `WWW-Authenticate` challenge the MCP authorization spec asks for, and serves the
 * RFC 9728 protected-resource metadata the challenge points to.
 */
export class HttpGate {
  readonly #authenticator: () => Authenticator;
  readonly #auth: () => AuthConfig | undefined;
  readonly #serverIds: () => string[];
  readonly #log: Logger;

  constructor(options: { authenticator: () => Authenticator; auth: () => AuthConfig | undefined; serverIds: () => string[]; log: Logger }) {
    this.#authenticator = options.authenticator;
    this.#auth = options.auth;
    this.#serverIds = options.serverIds;
    this.#log = options.log;
  }

  /** The request's agent; undefined when the request was refused (and answered here). */
  async admit(request: IncomingMessage, response: ServerResponse, serverId: string): Promise<Agent | undefined> {
    const base = this.#publicUrl(request);
    const outcome = await this.#authenticator().authenticate(request.headers.authorization, serverId, base);
    if (outcome.ok) return outcome.agent;
    this.#log.info({ server: serverId, status: outcome.status, error: outcome.error, reason: outcome.description }, 'request refused: no valid agent credentials');
    sendChallenge(response, outcome, `${base}${METADATA_PATH}/mcp/${encodeURIComponent(serverId)}`);
    return undefined;
  }

  /** Serves `/.well-known/oauth-protected-resource[/mcp/<server-id>]`; false for other paths or without `auth`. */
  serveMetadata(request: IncomingMessage, response: ServerResponse, url: URL): boolean {
    const auth = this.#auth();
    if (auth === undefined || request.method !== 'GET') return false;
    let resourcePath: string;
    if (url.pathname === METADATA_PATH || url.pathname === `${METADATA_PATH}/`) resourcePath = '';
    else {
      const match = METADATA_FOR_SERVER.exec(url.pathname);
      if (!match) return false;
      let serverId: string;
      try {
        serverId = decodeURIComponent(match[1]);
      } catch {
        return false;
      }
      if (!this.#serverIds().includes(serverId)) return false;
      resourcePath = `/mcp/${encodeURIComponent(serverId)}`;
    }
    const base = this.#publicUrl(request);
    const document: Record<string, unknown> = {
      resource: `${base}${resourcePath}`,
      authorization_servers: auth.oauth ? [auth.oauth.issuer] : [],
      bearer_methods_supported: ['header'],
      resource_name: resourcePath === '' ? 'toolgate' : `toolgate: ${resourcePath.slice(5)}`,
    };
    if (auth.oauth && auth.oauth.requiredScopes.length > 0) document.scopes_supported = auth.oauth.requiredScopes;
    const text = JSON.stringify(document);
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'max-age=300' });
    response.end(text);
    return true;
  }

  /** `auth.public_url`, else the URL the client used (its Host header passed the edge's host check). */
  #publicUrl(request: IncomingMessage): string {
    return this.#auth()?.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`;
  }
}

/** 401/403/503 with `WWW-Authenticate: Bearer resource_metadata="…"` (RFC 6750, RFC 9728 section 5.1). */
function sendChallenge(response: ServerResponse, refusal: AuthRefusal, metadataUrl: string): void {
  const params = [`resource_metadata="${quoted(metadataUrl)}"`];
  if (refusal.error) params.push(`error="${refusal.error}"`, `error_description="${quoted(refusal.description)}"`);
  if (refusal.scope) params.push(`scope="${quoted(refusal.scope)}"`);
  const body = JSON.stringify({ error: refusal.error ?? 'unauthorized', error_description: refusal.description });
  response.writeHead(refusal.status, {
    'www-authenticate': `Bearer ${params.join(', ')}`,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}

/** A quoted-string value: no quotes, backslashes or control characters. */
function quoted(value: string): string {
  return value.replace(/["\\\u0000-\u001f\u007f]/g, ' ');
}
