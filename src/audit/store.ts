/**
 * Where audit records are kept. Small on purpose, so another backend (Postgres) is one class:
 * apply a batch of operations in one transaction, read with filters, delete old records. The
 * store never reads the clock; retention is given the time.
 */
import type { AuditDecision, AuditPatch, AuditRecord, NewAuditRecord } from './record.js';

/**
 * One change to the trail, as journaled and as applied. Both kinds are idempotent, so a batch
 * may be applied twice (a crash between commit and journal cleanup) with the same result:
 * `add` ignores a `uid` already stored, `set` writes absolute values.
 */
export type AuditOp = { op: 'add'; record: NewAuditRecord } | { op: 'set'; uid: string; fields: AuditPatch };

export interface AuditQuery {
  /** Glob on the server id (`*` any run, `?` one character). */
  server?: string;
  /** Glob on the tool name. */
  tool?: string;
  /** Glob on the agent (`enduser.id`). */
  agent?: string;
  decisions?: readonly AuditDecision[];
  /** Records at or after this time (ms epoch). */
  since?: number;
  /** Records with a larger id (for following). */
  afterId?: number;
  limit?: number;
  /** With `limit`: the newest records rather than the oldest. Results are always oldest first. */
  newest?: boolean;
}

/** Records read by `follow`, and where the next call continues. */
export interface AuditFollow {
  records: AuditRecord[];
  /** Opaque: what this read saw. */
  cursor: string;
}

export interface AuditRetention {
  maxAgeMs: number;
  maxRows: number;
}

export interface AuditStore {
  /** Applies the operations in order, in one transaction: all or none. */
  apply(ops: readonly AuditOp[]): Promise<void>;
  query(query: AuditQuery): Promise<AuditRecord[]>;
  /**
   * For `toolgate audit --follow`. Without a cursor: the query's records. With the cursor of the
   * previous call: every record matching the query (its limit aside) that became visible since,
   * none twice and none skipped, even when writers commit out of id order (oldest id first).
   */
  follow(query: AuditQuery, cursor?: string): Promise<AuditFollow>;
  /**
   * Deletes up to `limit` records that are older than `maxAgeMs` or beyond the newest `maxRows`;
   * returns how many went. Bounded so one call never holds the database for long.
   */
  prune(retention: AuditRetention, nowMs: number, limit: number): Promise<number>;
  close(): Promise<void>;
}
