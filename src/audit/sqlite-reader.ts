/**
 * The dashboard's reader of the SQLite trail: a read-only connection of its own (WAL), so reads
 * never wait behind the writer's batches. A file from before agents were recorded has no agent
 * column; what asks for agents then finds nothing.
 */
import type Database from 'better-sqlite3';
import { openDatabase, sqliteStoreError } from '../sqlite.js';
import { COLUMN_OF, type AuditRecord } from './record.js';
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
import { fromRow } from './sqlite-store.js';

type Rows = Array<Record<string, unknown>>;

export class SqliteAuditReader implements AuditReader {
  readonly file: string;
  readonly #db: Database.Database;

  constructor(file: string) {
    this.file = file;
    try {
      this.#db = openDatabase(file, { readonly: true });
    } catch (error) {
      throw sqliteStoreError(`cannot open the audit file ${file}`, error);
    }
  }

  async records(filter: AuditSearch): Promise<AuditRecord[]> {
    if (filter.agent !== undefined && !this.#hasAgents()) return [];
    return this.#all((sql) => recordsSql(filter, sql)).map(fromRow);
  }

  async counts(filter: Omit<AuditSearch, 'limit'>): Promise<ClassCounts> {
    if (filter.agent !== undefined && !this.#hasAgents()) return classCounts([]);
    return classCounts(this.#all((sql) => countsSql(filter, sql)));
  }

  async timeline(since: number, bucketMs: number): Promise<TimelineBucket[]> {
    return timelineBuckets(this.#all((sql) => timelineSql(since, bucketMs, sql)), since, bucketMs);
  }

  async agents(since: number, limit: number): Promise<AgentSummary[]> {
    return this.#hasAgents() ? agentSummaries(this.#all((sql) => agentsSql(since, limit, sql))) : [];
  }

  async sessionsOf(agent: string, limit: number): Promise<SessionSummary[]> {
    return this.#hasAgents() ? sessionSummaries(this.#all((sql) => sessionsSql(agent, limit, sql))) : [];
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #hasAgents(): boolean {
    return (this.#db.prepare("SELECT count(*) FROM pragma_table_info('audit') WHERE name = ?").pluck().get(COLUMN_OF.agent) as number) > 0;
  }

  /** Builds a statement with its parameters and reads all its rows; a file with no table yet has none. */
  #all(build: (sql: SqlDialect) => string): Rows {
    const params: unknown[] = [];
    const text = build({
      table: 'audit',
      param: (value) => (params.push(value), '?'),
      contains: (column, placeholder) => `${column} LIKE ${placeholder} ESCAPE '\\'`,
      binary: (column) => `${column} COLLATE BINARY`,
    });
    try {
      return this.#db.prepare(text).all(...params) as Rows;
    } catch (error) {
      // The gateway created the file but was stopped before its first batch.
      if (/no such table/.test((error as Error).message)) return [];
      throw sqliteStoreError(`cannot read the audit file ${this.file}`, error);
    }
  }
}
