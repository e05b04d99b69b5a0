/**
 * The dashboard's reader of the fleet's trail in PostgreSQL (`audit.postgres`): the same SQL as
 * the SQLite reader (`reader.ts`), with numbered parameters; free text is matched with ILIKE
 * under the "C" collation, which, as SQLite's LIKE, ignores the case of ASCII letters only, so a
 * search finds the same records on both. Its own small pool, through the store (which creates
 * and migrates the table, indexes included, if no writer did yet).
 */
import type { AuditRecord } from './record.js';
import { AUDIT_TABLE, fromRow, PostgresAuditStore } from './postgres-store.js';
import {
  agentSummaries,
  agentsSql,
  classCounts,
  countsSql,
  recordsSql,
  sessionsSql,
  sessionSummaries,
  timelineBuckets,
  timelineSql,
  type AgentSummary,
  type AuditReader,
  type AuditSearch,
  type ClassCounts,
  type SessionSummary,
  type SqlDialect,
  type TimelineBucket,
} from './reader.js';

export class PostgresAuditReader implements AuditReader {
  readonly #store: PostgresAuditStore;

  constructor(url: string) {
    this.#store = new PostgresAuditStore(url);
  }

  async records(filter: AuditSearch): Promise<AuditRecord[]> {
    return (await this.#all('cannot search the audit trail', (sql) => recordsSql(filter, sql))).map(fromRow);
  }

  async counts(filter: Omit<AuditSearch, 'limit'>): Promise<ClassCounts> {
    return classCounts(await this.#all('cannot count audit records', (sql) => countsSql(filter, sql)));
  }

  async timeline(since: number, bucketMs: number): Promise<TimelineBucket[]> {
    return timelineBuckets(await this.#all('cannot count decisions over time', (sql) => timelineSql(since, bucketMs, sql)), since, bucketMs);
  }

  async agents(since: number, limit: number): Promise<AgentSummary[]> {
    return agentSummaries(await this.#all('cannot list the agents', (sql) => agentsSql(since, limit, sql)));
  }

  async sessionsOf(agent: string, limit: number): Promise<SessionSummary[]> {
    return sessionSummaries(await this.#all('cannot list the sessions of an agent', (sql) => sessionsSql(agent, limit, sql)));
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  #all(what: string, build: (sql: SqlDialect) => string): Promise<Array<Record<string, unknown>>> {
    const params: unknown[] = [];
    const text = build({
      table: AUDIT_TABLE,
      param: (value) => (params.push(value), `$${params.length}`),
      // E'\\' is one backslash whatever standard_conforming_strings says.
      contains: (column, placeholder) => `${column} COLLATE "C" ILIKE ${placeholder} ESCAPE E'\\\\'`,
      binary: (column) => `${column} COLLATE "C"`,
    });
    return this.#store.rows(what, text, params);
  }
}
