/**
 * Who is calling. An `Agent` is established once per request at the edge, from verified
 * credentials only (an API key, a JWT from the configured issuer, or the local user for stdio);
 * nothing the agent sends in headers, `_meta` or arguments can change it.
 */

export interface Agent {
  /** A key of `auth.agents`, the OAuth `agent_claim` value, `anonymous`, or stdio's local agent. */
  readonly id: string;
  readonly groups: readonly string[];
  /** The verified JWT claims (OAuth); empty otherwise. */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly via: 'api_key' | 'oauth' | 'anonymous' | 'local';
  /**
   * What keeps callers apart where the gateway keeps something per caller (pooled 2026 sessions,
   * sealed request states, private caches, HTTP sessions). The agent's id for a verified agent;
   * without `auth`, a digest of whatever credentials the request carried, so callers with
   * different (unverified) tokens still never share.
   */
  readonly key: string;
}

export const ANONYMOUS_ID = 'anonymous';

/** Longest agent id, group name and group count accepted from a token or the config. */
export const AGENT_BOUNDS = Object.freeze({ idLength: 256, groupLength: 128, groups: 64 });

/** The caller of a gateway without `auth` that sent no credentials: every request of such a gateway, so built once. */
const ANONYMOUS: Agent = Object.freeze({ id: ANONYMOUS_ID, groups: Object.freeze([]), claims: Object.freeze({}), via: 'anonymous', key: ANONYMOUS_ID });

export function anonymousAgent(key: string = ANONYMOUS_ID): Agent {
  if (key === ANONYMOUS_ID) return ANONYMOUS;
  return Object.freeze({ id: ANONYMOUS_ID, groups: ANONYMOUS.groups, claims: ANONYMOUS.claims, via: 'anonymous', key });
}

export function namedAgent(id: string, groups: readonly string[], via: Agent['via'], claims: Record<string, unknown> = {}): Agent {
  return Object.freeze({ id, groups: Object.freeze([...groups]), claims: Object.freeze(claims), via, key: `agent:${id}` });
}
