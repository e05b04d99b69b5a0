/**
 * The one place that picks where state lives. Everything else sees the small interfaces
 * (`PinStore`, `ApprovalStore`, `RateLimitStore`), each built with the gateway's clock.
 *
 * A backend is a `case` here and a value in the config schema's `state.backend` enum, nothing
 * else: a value the schema does not list is refused when the config is loaded, so a backend that
 * is not built can never be asked for. With Redis, pins and approvals are shared by a fleet, and
 * decisions on approvals reach the holding instance by pub/sub instead of the polling
 * `ApprovalHub` does over SQLite.
 */
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { approvalsFile, SqliteApprovalStore, type ApprovalStore } from '../approvals/approval-store.js';
import { MemoryApprovalStore } from '../approvals/memory-approval-store.js';
import { MemoryPinStore } from '../catalog/node/memory-pin-store.js';
import { pinsFile, SqlitePinStore } from '../catalog/node/sqlite-pin-store.js';
import type { PinStore } from '../catalog/pins.js';
import type { Config, StateConfig } from '../config/types.js';
import { THIS_PROCESS } from '../approvals/deciding.js';
import { ToolgateError } from '../errors.js';
import { MemoryRateLimitStore } from './memory-rate-limit-store.js';
import type { RateLimitStore } from './rate-limit-store.js';
import { RedisConnection, type RedisState } from './redis-connection.js';
import { RedisApprovalStore } from './redis/redis-approval-store.js';
import { RedisPinStore } from './redis/redis-pin-store.js';
import { RedisRateLimitStore } from './redis/redis-rate-limit-store.js';
import { failOpen } from './fail-open.js';
import { FleetRegistry, type FleetMember } from './fleet-registry.js';

export interface Stores {
  readonly backend: StateConfig['backend'];
  readonly pins: PinStore;
  readonly approvals: ApprovalStore;
  /** Rate-limit and budget counters: shared in Redis; in each process's memory with the embedded backends. */
  readonly rateLimits: RateLimitStore;
  /** Whether the shared store can be reached now; absent for embedded backends. */
  readonly shared?: {
    kind: 'redis';
    where: string;
    state: () => RedisState;
    /** Starts telling the fleet about this instance; the registry is closed with the stores. */
    joinFleet(self: () => Omit<FleetMember, 'seenAt'>): FleetRegistry;
  };
  close(): Promise<void>;
}

export function stateBackend(config: Config): StateConfig['backend'] {
  return config.state?.backend ?? 'sqlite';
}

/** The stores the config asks for, stamping times with `now`; a gateway's, holding calls. */
export function openStores(config: Config, now: () => number, log?: Logger): Stores {
  const backend = stateBackend(config);
  let rateLimits: RateLimitStore = new MemoryRateLimitStore();
  let pins: PinStore;
  let approvals: ApprovalStore;
  let shared: Stores['shared'];
  let registry: FleetRegistry | undefined;
  switch (backend) {
    case 'redis': {
      const redis = new RedisConnection(redisConfig(config), { log });
      pins = new RedisPinStore(redis.retain(), { now });
      approvals = new RedisApprovalStore(redis.retain(), { now, holder: THIS_PROCESS });
      const counters = new RedisRateLimitStore(redis.retain());
      rateLimits = config.state?.backend === 'redis' && config.state.onUnavailable === 'open' ? failOpen(counters, log) : counters;
      shared = {
        kind: 'redis',
        where: redis.where,
        state: () => redis.state,
        joinFleet: (self) => (registry ??= new FleetRegistry(redis.retain(), self)),
      };
      void redis.close(); // the stores own it now
      break;
    }
    case 'memory':
      pins = new MemoryPinStore({ now });
      approvals = new MemoryApprovalStore({ now });
      break;
    case 'sqlite':
      pins = new SqlitePinStore(pinsFile(config), { now });
      try {
        approvals = new SqliteApprovalStore(approvalsFile(config), { now });
      } catch (error) {
        void pins.close();
        throw error;
      }
      break;
  }
  return {
    backend,
    pins,
    approvals,
    rateLimits,
    ...(shared ? { shared } : {}),
    async close() {
      await Promise.all([pins.close(), approvals.close(), rateLimits.close(), registry?.close()]);
    },
  };
}

/**
 * The approvals of a config for a process that holds no calls: the CLI deciding in the store
 * every gateway on the config shares. Undefined when nothing was ever held (no file yet). Only a
 * backend shared between processes can be reached this way.
 */
export function openSharedApprovalStore(config: Config, now: () => number): ApprovalStore | undefined {
  const backend = stateBackend(config);
  switch (backend) {
    case 'memory':
      throw new ToolgateError(
        'invalid_request',
        `${config.file ?? 'the config'} keeps approvals in the gateway's memory (state.backend: memory), so only that gateway can decide them; pass -p PORT to decide through its admin API`,
      );
    case 'sqlite': {
      const file = approvalsFile(config);
      return existsSync(file) ? new SqliteApprovalStore(file, { now, fileMustExist: true }) : undefined;
    }
    case 'redis':
      return new RedisApprovalStore(new RedisConnection(redisConfig(config)), { now });
  }
}

/** The pins of a fleet, for `toolgate pins`: the Redis store when the config has one, else undefined (the SQLite file). */
export function openSharedPinStore(config: Config, now: () => number): PinStore | undefined {
  return config.state?.backend === 'redis' ? new RedisPinStore(new RedisConnection(config.state.redis), { now }) : undefined;
}

function redisConfig(config: Config) {
  if (config.state?.backend !== 'redis') throw new Error('the Redis backend needs state.redis');
  return config.state.redis;
}
