import type { Logger } from 'pino';
import type { Config, HttpServerConfig, ServerConfig } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import type { Agent } from '../identity/agent.js';
import { DiscoverCache, discoverFromInitialize, discoverFromUpstream, type DiscoverResult } from '../protocol/discover.js';
import { probeGenerations, type UpstreamGenerations } from '../protocol/generation-probe.js';
import { ModernEdge, type ModernHost, type ModernSession } from '../protocol/modern-edge.js';
import { ModernHttpUpstream } from '../protocol/modern-upstream.js';
import type { ClientEnvelope } from '../protocol/request-codec.js';
import { loadRequestStateKey } from '../protocol/request-state-key.js';
import { RequestStateSealer } from '../protocol/request-state.js';
import type { Upstream } from '../transport/upstream.js';
import type { GatewayContext } from './context.js';
import { DeferredUpstream } from './deferred-upstream.js';
import { ModernSessions } from './modern-sessions.js';

/**
 * Everything MCP 2026-07-28 adds to the gateway, in one place: which generation each upstream
 * speaks (learnt once, kept until its configuration changes), the sealed-state key, the pooled
 * sessions of 2026 clients, `server/discover`, and the 2026 edge that uses them.
 */
export class ModernGateway implements ModernHost {
  readonly sealer: RequestStateSealer;
  readonly log: Logger;
  readonly edge: ModernEdge;
  readonly #context: GatewayContext;
  readonly #config: () => Config;
  readonly #connect: (serverId: string, server: ServerConfig, log: Logger) => Upstream;
  readonly #generations = new Map<string, Promise<UpstreamGenerations>>();
  readonly #discover = new DiscoverCache();
  readonly #sessions: ModernSessions;
  #parkedExpired = 0;

  constructor(options: {
    context: GatewayContext;
    config: () => Config;
    log: Logger;
    /** A 2025 connection to a server (the gateway's, which counts and bounds upstream processes). */
    connect: (serverId: string, server: ServerConfig, log: Logger) => Upstream;
  }) {
    this.#context = options.context;
    this.#connect = options.connect;
    this.#config = options.config;
    this.log = options.log;
    this.sealer = new RequestStateSealer({ key: loadRequestStateKey(options.config().dataDir), now: options.context.now });
    this.#sessions = new ModernSessions({
      context: options.context,
      sealer: this.sealer,
      log: options.log,
      connect: (serverId) => this.#connectForModernClient(serverId),
      hidesTools: (serverId) => this.#hidesTools(serverId),
      onParkExpired: () => this.#parkedExpired++,
      idleMs: () => options.config().limits.sessionIdleMs,
    });
    this.edge = new ModernEdge(this);
  }

  /** Parked calls (2026 client, 2025 server) cancelled because their client did not come back in time. */
  get parkedCallsExpired(): number {
    return this.#parkedExpired;
  }

  /** Pooled sessions held for 2026 clients. */
  get pooledSessions(): number {
    return this.#sessions.size;
  }

  session(serverId: string, agent: Agent, envelope: ClientEnvelope): Promise<ModernSession> {
    return this.#sessions.session(serverId, agent, envelope);
  }

  async discover(serverId: string, authorizationContext: string, session: ModernSession): Promise<DiscoverResult> {
    const cached = this.#discover.get(serverId, authorizationContext);
    if (cached) return cached;
    let result: DiscoverResult;
    if (session.upstream === '2025') {
      result = discoverFromInitialize(this.#sessions.initializeOf(session) ?? {});
    } else {
      const response = await session.downstream.request('server/discover', {});
      if ('error' in response) throw new ToolgateError('upstream_error', `upstream "${serverId}" refused server/discover: ${response.error.message}`);
      result = discoverFromUpstream(response.result);
    }
    this.#discover.set(serverId, authorizationContext, result);
    return result;
  }

  policyRevision(): string {
    return this.#context.policy().revision;
  }

  /**
   * The upstream for a 2025 client's session: today's 2025 connection, unless the server speaks
   * only 2026-07-28, in which case toolgate plays the 2025 session in front of it.
   */
  upstreamForLegacyClient(serverId: string, log: Logger): Upstream {
    const server = this.#config().servers[serverId];
    if (server.kind !== 'http') return this.#connect(serverId, server, log);
    const choose = this.#generationsOf(serverId, server).then((generations) =>
      generations.modern && !generations.legacy ? this.#modernUpstream(serverId, server, generations.modern, log) : this.#connect(serverId, server, log),
    );
    return new DeferredUpstream(`upstream "${serverId}" (${server.url})`, choose);
  }

  /** The configuration changed: what was learnt of changed or removed servers is forgotten. */
  async reconfigured(before: Config, after: Config): Promise<void> {
    for (const [serverId, server] of Object.entries(before.servers)) {
      if (JSON.stringify(after.servers[serverId]) === JSON.stringify(server)) continue;
      this.#generations.delete(serverId);
      this.#discover.forget(serverId);
      await this.#sessions.forget(serverId);
    }
  }

  async close(): Promise<void> {
    await this.#sessions.close();
  }

  async #connectForModernClient(serverId: string): Promise<{ upstream: Upstream; generation: '2025' | '2026' }> {
    const server = this.#config().servers[serverId];
    if (!server) throw new ToolgateError('unknown_server', `No MCP server "${serverId}" is configured`);
    const log = this.log.child({ server: serverId, pooled: true });
    if (server.kind === 'http') {
      const generations = await this.#generationsOf(serverId, server);
      if (generations.modern) return { upstream: this.#modernUpstream(serverId, server, generations.modern, log), generation: '2026' };
    }
    return { upstream: this.#connect(serverId, server, log), generation: '2025' };
  }

  #modernUpstream(serverId: string, server: HttpServerConfig, discovered: Record<string, unknown>, log: Logger): Upstream {
    return new ModernHttpUpstream({
      serverId,
      url: server.url,
      headers: server.headers,
      log,
      discover: async () => discoverFromUpstream(discovered),
      maxMessageBytes: this.#config().limits.maxLineBytes,
    });
  }

  /** Learnt once per upstream (the spec: the era is a property of the server), kept until its configuration changes. */
  #generationsOf(serverId: string, server: HttpServerConfig): Promise<UpstreamGenerations> {
    let generations = this.#generations.get(serverId);
    if (!generations) {
      generations = probeGenerations(server.url, server.headers).then((found) => {
        this.log.info({ server: serverId, modern: found.modern !== undefined, legacy: found.legacy }, 'learnt which MCP generations the upstream speaks');
        return found;
      });
      this.#generations.set(serverId, generations);
    }
    return generations;
  }

  /**
   * Whether the server's tool list may differ by caller: the policy hides tools (for everyone, or
   * through an agent's or group's override), so the list a caller gets is the policy's view for
   * that agent. Such answers are `cacheScope: private`.
   */
  #hidesTools(serverId: string): boolean {
    if (this.#context.policy().hidesPerAgent(serverId)) return true;
    const config = this.#config();
    const rules = Object.values(config.policies[serverId]?.tools ?? {});
    const categories = Object.values(config.defaults?.categories ?? {});
    return [...rules, ...categories].some((rule) => rule?.action === 'hide');
  }
}
