/**
 * The one place that picks where state lives. Everything else sees the small interfaces
 * (`PinStore`, `ApprovalStore`, `RateLimitStore`), each built with the gateway's clock.
 *
 * A backend is a `case` here and a value in the config schema's `state.backend` enum, nothing
 * else: a value the schema does not list is refused when the config is loaded, so a backend that
 * is not built can never be asked for. Redis (shared pins, approvals and exact rate limits across
 * a fleet) plugs in as one more case; decisions on approvals then reach the holding instance by
 * pub/sub instead of the polling `ApprovalHub` does over SQLite.
 */
import { existsSync } from 'node:fs';
import { approvalsFile, SqliteApprovalStore, type ApprovalStore } from '../approvals/approval-store.js';
import { MemoryApprovalStore } from '../approvals/memory-approval-store.js';
import { MemoryPinStore } from '../catalog/node/memory-pin-store.js';
import { pinsFile, SqlitePinStore } from '../catalog/node/sqlite-pin-store.js';
import type { PinStore } from '../catalog/pins.js';
import type { Config, StateConfig } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import { MemoryRateLimitStore } from './memory-rate-limit-store.js';
import type { RateLimitStore } from './rate-limit-store.js';

export interface Stores {
  readonly backend: StateConfig['backend'];
  readonly pins: PinStore;
  readonly approvals: ApprovalStore;
  /** Rate-limit counters stay in each process's memory with every backend built so far. */
  readonly rateLimits: RateLimitStore;
  close(): Promise<void>;
}

export function stateBackend(config: Config): StateConfig['backend'] {
  return config.state?.backend ?? 'sqlite';
}

/** The stores the config asks for, stamping times with `now`. */
export function openStores(config: Config, now: () => number): Stores {
  const backend = stateBackend(config);
  const rateLimits = new MemoryRateLimitStore();
  let pins: PinStore;
  let approvals: ApprovalStore;
  switch (backend) {
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
    async close() {
      await Promise.all([pins.close(), approvals.close(), rateLimits.close()]);
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
  }
}
