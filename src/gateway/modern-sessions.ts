import type { Logger } from 'pino';
import { ToolgateError } from '../errors.js';
import type { Agent } from '../identity/agent.js';
import { ModernDownstream } from '../protocol/modern-downstream.js';
import type { ModernSession } from '../protocol/modern-edge.js';
import type { ClientEnvelope } from '../protocol/request-codec.js';
import { argumentsDigest, type RequestStateSealer } from '../protocol/request-state.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../protocol/wire.js';
import type { Upstream } from '../transport/upstream.js';
import type { GatewayContext } from './context.js';
import { ProxySession } from './proxy-session.js';

export interface ModernSessionsOptions {
  context: GatewayContext;
  sealer: RequestStateSealer;
  log: Logger;
  /** A fresh upstream connection for 2026 clients of the server, and which generation it speaks. */
  connect(serverId: string): Promise<{ upstream: Upstream; generation: '2025' | '2026' }>;
  /** Whether the server's tool list depends on who asks (the policy hides tools). */
  hidesTools(serverId: string): boolean;
  /** Pooled sessions with nothing in flight for this long are closed (their upstream session ended): `limits.session_idle_timeout`. */
  idleMs: () => number;
  /** At most this many pooled sessions; beyond, the least recently used idle one is closed. Default 1,000. */
  maxSessions?: number;
  /**
   * At most this many capability sets per caller and server (each its own session): a caller that
   * declares ever new capabilities reuses room of its own, not everyone's. Default 8.
   */
  maxPerCaller?: number;
  /** Counts parked calls that timed out. */
  onParkExpired?: () => void;
}

interface Pooled {
  key: string;
  serverId: string;
  session: ModernSession;
  proxy: ProxySession;
  lastUsed: number;
  /** For a 2025 upstream: its `initialize` result (what `server/discover` is built from). */
  initialize?: Record<string, unknown>;
}

const SWEEP_EVERY_MS = 5_000;

/** One client capability set per caller and server gets one session: the key's part for it. */
function capabilitiesKey(capabilities: Record<string, unknown>): string {
  return argumentsDigest(capabilities).slice(0, 22);
}

/**
 * 2026-07-28 clients have no sessions, but the pipeline (and a 2025 upstream) does: requests of one
 * caller to one server, with one set of declared capabilities, share one pooled proxy session.
 * For a 2025 upstream that session is a real upstream session, initialized with the capabilities
 * the client declared, reused while it is in use, and ended (DELETE for HTTP) once idle. For a
 * 2026 upstream it holds nothing but the pipeline.
 */
export class ModernSessions {
  readonly #options: ModernSessionsOptions;
  readonly #pool = new Map<string, Pooled>();
  readonly #opening = new Map<string, Promise<Pooled>>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: ModernSessionsOptions) {
    this.#options = options;
    // Looked at every few seconds: cheap (the pool is bounded), and an idle timeout of seconds is honoured.
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_EVERY_MS);
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#pool.size;
  }

  async session(serverId: string, agent: Agent, envelope: ClientEnvelope): Promise<ModernSession> {
    return (await this.#pooled(serverId, agent, envelope)).session;
  }

  /** The `initialize` result of the caller's 2025 upstream session (what its `server/discover` is built from). */
  initializeOf(session: ModernSession): Record<string, unknown> | undefined {
    for (const pooled of this.#pool.values()) if (pooled.session === session) return pooled.initialize;
    return undefined;
  }

  /** A server was removed or reconfigured: its pooled sessions end. */
  async forget(serverId: string): Promise<void> {
    await Promise.allSettled([...this.#pool.values()].filter((pooled) => pooled.serverId === serverId).map((pooled) => this.#close(pooled)));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.allSettled([...this.#pool.values()].map((pooled) => this.#close(pooled)));
  }

  async #pooled(serverId: string, agent: Agent, envelope: ClientEnvelope): Promise<Pooled> {
    const key = `${serverId}\0${agent.key}\0${capabilitiesKey(envelope.clientCapabilities)}`;
    const existing = this.#pool.get(key);
    if (existing && !existing.session.downstream.ended) {
      existing.lastUsed = Date.now();
      return existing;
    }
    if (existing) await this.#close(existing);
    let opening = this.#opening.get(key);
    if (!opening) {
      opening = this.#open(key, serverId, agent, envelope).finally(() => this.#opening.delete(key));
      this.#opening.set(key, opening);
    }
    return opening;
  }

  async #open(key: string, serverId: string, agent: Agent, envelope: ClientEnvelope): Promise<Pooled> {
    this.#makeRoom(key.slice(0, key.lastIndexOf('\0') + 1));
    const { upstream, generation } = await this.#options.connect(serverId);
    const proxy = new ProxySession({ serverId, agent, upstream, context: this.#options.context });
    const downstream = new ModernDownstream({
      serverId,
      sealer: this.#options.sealer,
      policyRevision: () => this.#options.context.policy().revision,
      log: this.#options.log.child({ server: serverId, pooled: true }),
      toolListScope: () => (this.#options.hidesTools(serverId) ? 'private' : undefined),
      parking: { onExpired: this.#options.onParkExpired },
    });
    downstream.attach(proxy);
    const pooled: Pooled = { key, serverId, session: { downstream, upstream: generation }, proxy, lastUsed: Date.now() };
    if (generation === '2025') {
      const response = await downstream.request('initialize', {
        protocolVersion: LEGACY_PROTOCOL_VERSIONS[0],
        capabilities: envelope.clientCapabilities,
        clientInfo: envelope.clientInfo ?? { name: 'toolgate (for an MCP 2026-07-28 client)', version: '1' },
      });
      if ('error' in response) {
        await proxy.close();
        throw new ToolgateError('upstream_error', `upstream "${serverId}" refused initialize: ${response.error.message}`);
      }
      pooled.initialize = response.result;
      downstream.bridgeTo(response.result);
      proxy.handleClientMessage({ jsonrpc: '2.0', method: 'notifications/initialized' });
    }
    this.#pool.set(key, pooled);
    return pooled;
  }

  /** Closes the least recently used idle session of the caller (`callerPrefix`), or of anyone, when a bound is reached. */
  #makeRoom(callerPrefix: string): void {
    const perCaller = this.#options.maxPerCaller ?? 8;
    const max = this.#options.maxSessions ?? 1000;
    const callers = [...this.#pool.values()].filter((pooled) => pooled.key.startsWith(callerPrefix));
    const [candidates, bound, what] =
      callers.length >= perCaller ? [callers, perCaller, `${perCaller} capability sets for this caller and server`] : this.#pool.size >= max ? [[...this.#pool.values()], max, `${max} pooled sessions`] : [[], 0, ''];
    if (bound === 0) return;
    const idle = candidates.filter((pooled) => pooled.session.downstream.idle).sort((a, b) => a.lastUsed - b.lastUsed);
    if (idle.length === 0) throw new ToolgateError('upstream_unavailable', `toolgate holds ${what} for 2026 clients and none is idle; try again shortly`);
    void this.#close(idle[0]);
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#options.idleMs();
    for (const pooled of [...this.#pool.values()]) {
      if (pooled.lastUsed < cutoff && pooled.session.downstream.idle) void this.#close(pooled);
    }
  }

  async #close(pooled: Pooled): Promise<void> {
    if (this.#pool.get(pooled.key) === pooled) this.#pool.delete(pooled.key);
    pooled.session.downstream.close();
    await pooled.proxy.close();
  }
}
