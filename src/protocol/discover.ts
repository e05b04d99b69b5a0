/**
 * `server/discover` at a toolgate URL: what a 2026 client learns about the server behind it. From a
 * 2026 upstream it is the upstream's own answer; from a 2025 upstream it is built from the
 * `initialize` result of the session toolgate holds for the caller. Either way the supported
 * versions are toolgate's (every toolgate URL serves both generations), and answers are cached
 * as their `ttlMs` and `cacheScope` allow: a `private` answer only for the authorization
 * context it was fetched for.
 */
import { CACHEABLE_METHODS, META_SERVER_INFO, SUPPORTED_PROTOCOL_VERSIONS } from './wire.js';

export interface DiscoverResult {
  resultType: 'complete';
  supportedVersions: string[];
  capabilities: Record<string, unknown>;
  instructions?: string;
  ttlMs: number;
  cacheScope: 'public' | 'private';
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

/** How long a discover answer built from a 2025 `initialize` stays fresh: the session's capabilities do not change. */
export const BUILT_DISCOVER_TTL_MS = 5 * 60_000;

/** Server capabilities of 2025 that 2026-07-28 no longer has in its core (tasks became an extension). */
const LEGACY_ONLY_CAPABILITIES = ['tasks'];

/**
 * A discover answer built from a 2025 server's `initialize` result. `public`: toolgate talks to
 * the upstream with its own credentials, so the answer is the same whoever asks.
 */
export function discoverFromInitialize(initialize: Record<string, unknown>): DiscoverResult {
  const capabilities = { ...((initialize.capabilities as Record<string, unknown> | undefined) ?? {}) };
  for (const name of LEGACY_ONLY_CAPABILITIES) delete capabilities[name];
  const serverInfo = initialize.serverInfo;
  return {
    resultType: 'complete',
    supportedVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
    capabilities,
    ...(typeof initialize.instructions === 'string' ? { instructions: initialize.instructions } : {}),
    ttlMs: BUILT_DISCOVER_TTL_MS,
    cacheScope: 'public',
    ...(serverInfo !== undefined ? { _meta: { [META_SERVER_INFO]: serverInfo } } : {}),
  };
}

/** A 2026 upstream's discover answer as toolgate gives it on: the upstream's capabilities and identity, toolgate's versions. */
export function discoverFromUpstream(result: Record<string, unknown>): DiscoverResult {
  return {
    ...result,
    resultType: 'complete',
    supportedVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
    capabilities: (result.capabilities as Record<string, unknown> | undefined) ?? {},
    ttlMs: typeof result.ttlMs === 'number' && result.ttlMs > 0 ? result.ttlMs : 0,
    cacheScope: result.cacheScope === 'public' ? 'public' : 'private',
  };
}

/**
 * The caching hints a complete 2026 result of `method` must carry, added where a 2025 upstream
 * gave none: fresh for no time, private unless the caller knows better.
 */
export function withCacheHints(method: string, result: Record<string, unknown>, scope: 'public' | 'private' | undefined): Record<string, unknown> {
  if (!CACHEABLE_METHODS.has(method)) return result;
  const ttlMs = typeof result.ttlMs === 'number' && result.ttlMs >= 0 ? result.ttlMs : 0;
  const cacheScope = scope ?? (result.cacheScope === 'public' ? 'public' : 'private');
  if (result.ttlMs === ttlMs && result.cacheScope === cacheScope) return result;
  return { ...result, ttlMs, cacheScope };
}

interface Entry {
  result: DiscoverResult;
  freshUntil: number;
}

/** Discover answers per server and authorization context, each kept while its `ttlMs` says it is fresh. */
export class DiscoverCache {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(options: { now?: () => number; maxEntries?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  get(server: string, authorizationContext: string): DiscoverResult | undefined {
    const now = this.#now();
    for (const key of [publicKey(server), privateKey(server, authorizationContext)]) {
      const entry = this.#entries.get(key);
      if (entry && entry.freshUntil > now) return entry.result;
      if (entry) this.#entries.delete(key);
    }
    return undefined;
  }

  set(server: string, authorizationContext: string, result: DiscoverResult): void {
    if (result.ttlMs <= 0) return;
    const key = result.cacheScope === 'public' ? publicKey(server) : privateKey(server, authorizationContext);
    this.#entries.delete(key);
    this.#entries.set(key, { result, freshUntil: this.#now() + result.ttlMs });
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** The server's configuration changed: what it said before may no longer hold. */
  forget(server: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(`${server}\0`)) this.#entries.delete(key);
  }
}

function publicKey(server: string): string {
  return `${server}\0*`;
}

function privateKey(server: string, authorizationContext: string): string {
  return `${server}\0=${authorizationContext}`;
}
