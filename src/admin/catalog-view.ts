/**
 * The dashboard's tool catalog: every configured server's tools, listed over the gateway's own
 * upstream transports (each page of `tools/list`), classified, and with the rule the policy applies to each.
 * Also the servers' health: whether they could be listed, or the error.
 *
 * Listing starts servers (a stdio server is a process), so it runs only when asked: the first
 * time the catalog is read, for a server the config added or changed, and on refresh. Listings
 * are cached; the effective rules are recomputed from the current policy on every read, so a
 * reloaded policy shows at once without listing again.
 */
import type { Logger } from 'pino';
import { catalogEntry, type CatalogEntry, type Explain } from '../catalog/entry.js';
import { listServerTools, type ServerListing } from '../catalog/node/list-tools.js';
import type { Config, ServerConfig } from '../config/types.js';
import type { CompiledPolicy } from '../policy/compile.js';

export interface ServerHealth {
  /** `unknown`: never listed; `checking`: listing now (first time). */
  status: 'unknown' | 'checking' | 'ok' | 'error';
  checkedAt?: number;
  /** How long the listing took. */
  ms?: number;
  tools?: number;
  /** What the server said of itself in `initialize`. */
  info?: ServerListing['info'];
  error?: string;
}

export interface CatalogServer {
  id: string;
  health: ServerHealth;
  tools: CatalogEntry[];
}

export interface CatalogSnapshot {
  policyRevision: string;
  servers: CatalogServer[];
}

export type ToolLister = (id: string, server: ServerConfig) => Promise<ServerListing>;

export interface CatalogViewOptions {
  config: () => Config;
  policy: () => CompiledPolicy;
  log: Logger;
  now?: () => number;
  /** Default: `listServerTools`, 20 s per server. */
  list?: ToolLister;
  /** Every successful listing, e.g. to check the definitions against their pins. */
  onListed?: (server: string, listing: ServerListing) => void;
}

interface Listed {
  /** The server's config when it was listed: a changed config is listed again. */
  configJson: string;
  health: ServerHealth;
  listing?: ServerListing;
}

export class CatalogView {
  readonly #options: CatalogViewOptions;
  readonly #now: () => number;
  readonly #list: ToolLister;
  readonly #listed = new Map<string, Listed>();
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Called when a server's listing changes (for the live dashboard). */
  onChange?: (id: string) => void;

  constructor(options: CatalogViewOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#list = options.list ?? ((id, server) => listServerTools(id, server, { timeoutMs: 20_000, log: options.log }));
  }

  /** Health as last seen, without listing anything. */
  health(id: string): ServerHealth {
    const listed = this.#listed.get(id);
    if (listed && listed.configJson === JSON.stringify(this.#options.config().servers[id])) return listed.health;
    return { status: this.#inFlight.has(id) ? 'checking' : 'unknown' };
  }

  /** The catalog; lists the servers never listed (or changed) first. */
  async get(): Promise<CatalogSnapshot> {
    const servers = this.#options.config().servers;
    const stale = Object.keys(servers).filter((id) => this.#listed.get(id)?.configJson !== JSON.stringify(servers[id]));
    await Promise.all(stale.map((id) => this.#refreshOne(id)));
    return this.#snapshot();
  }

  /** Lists every server again. */
  async refresh(): Promise<CatalogSnapshot> {
    await Promise.all(Object.keys(this.#options.config().servers).map((id) => this.#refreshOne(id)));
    return this.#snapshot();
  }

  #refreshOne(id: string): Promise<void> {
    const running = this.#inFlight.get(id);
    if (running) return running;
    const server = this.#options.config().servers[id];
    const configJson = JSON.stringify(server);
    const started = this.#now();
    const task = this.#list(id, server)
      .then((listing) => {
        this.#options.onListed?.(id, listing);
        this.#listed.set(id, {
          configJson,
          listing,
          health: { status: 'ok', checkedAt: this.#now(), ms: this.#now() - started, tools: listing.tools.length, ...(listing.info ? { info: listing.info } : {}) },
        });
      })
      .catch((error: unknown) => {
        const message = (error as Error)?.message ?? String(error);
        this.#options.log.warn({ server: id, err: message }, 'the catalog could not list a server');
        // The last good listing stays visible; the health says it is out of date.
        const previous = this.#listed.get(id);
        this.#listed.set(id, {
          configJson,
          listing: previous?.configJson === configJson ? previous.listing : undefined,
          health: { status: 'error', checkedAt: this.#now(), ms: this.#now() - started, error: message },
        });
      })
      .finally(() => {
        this.#inFlight.delete(id);
        this.onChange?.(id);
      });
    this.#inFlight.set(id, task);
    return task;
  }

  #snapshot(): CatalogSnapshot {
    const policy = this.#options.policy();
    const explain: Explain = (server, tool, definition) => policy.explain(server, tool, definition);
    const servers = Object.keys(this.#options.config().servers).map((id): CatalogServer => {
      const listed = this.#listed.get(id);
      const tools = (listed?.listing?.tools ?? []).map((tool) => catalogEntry(id, tool, explain));
      return { id, health: this.health(id), tools };
    });
    return { policyRevision: policy.revision, servers };
  }
}
