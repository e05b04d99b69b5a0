/**
 * Reading the audit trail for people: search with exact filters and free text over reasons,
 * paged newest first; counts over time for the dashboard's chart; exports streamed a record at a
 * time. A read-only connection of its own (WAL), so reads never wait behind the writer's batches.
 */
import type Database from 'better-sqlite3';
import { openDatabase, sqliteStoreError } from '../sqlite.js';
import { AUDIT_DECISIONS, COLUMN_OF, type AuditDecision, type AuditRecord } from './record.js';
import { fromRow } from './sqlite-store.js';

export interface AuditSearch {
  /** Records at or after / before this time (ms epoch). */
  from?: number;
  to?: number;
  /** Exact matches. */
  server?: string;
  tool?: string;
  session?: string;
  /** The verified agent (`enduser.id`); matches nothing in a trail written before agents were recorded. */
  agent?: string;
  decisions?: readonly AuditDecision[];
  /** Words found in the reason or the error message (case-insensitive, literal). */
  text?: string;
  /** Records with a smaller id: the next page. */
  beforeId?: number;
  limit: number;
}

/** How the chart groups the audit decisions. */
export type TimelineClass = 'allowed' | 'refused' | 'held';

export interface TimelineBucket {
  /** Start of the bucket (ms epoch). */
  start: number;
  server: string;
  allowed: number;
  refused: number;
  held: number;
}

const ALLOWED: readonly AuditDecision[] = ['allowed', 'approved', 'upstream_error', 'monitor_would_refuse'];
const HELD: readonly AuditDecision[] = ['approval_pending'];
const AGENT_COLUMN = 'enduser.id';
/** The refusals, as SQL literals (fixed names, never input). */
const REFUSED_SQL = AUDIT_DECISIONS.filter((d) => timelineClass(d) === 'refused').map((d) => `'${d}'`).join(', ');
const q = (column: string) => `"${column}"`;

/** The class a decision is drawn in. */
export function timelineClass(decision: string): TimelineClass {
  if ((ALLOWED as readonly string[]).includes(decision)) return 'allowed';
  if ((HELD as readonly string[]).includes(decision)) return 'held';
  return 'refused';
}

export class SqliteAuditReader {
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

  /** One page, newest first; `nextBeforeId` continues it (null: no more). */
  search(filter: AuditSearch): { records: AuditRecord[]; nextBeforeId: number | null } {
    const records = [...this.iterate({ ...filter, limit: filter.limit + 1 })];
    const more = records.length > filter.limit;
    if (more) records.pop();
    return { records, nextBeforeId: more ? records[records.length - 1].id : null };
  }

  /** Matching records, newest first, one at a time (exports). */
  *iterate(filter: AuditSearch): Generator<AuditRecord> {
    const where: string[] = [];
    const params: unknown[] = [];
    const exact = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      where.push(`${q(column)} = ?`);
      params.push(value);
    };
    if (filter.from !== undefined) (where.push('time >= ?'), params.push(filter.from));
    if (filter.to !== undefined) (where.push('time < ?'), params.push(filter.to));
    exact('server', filter.server);
    exact(COLUMN_OF.tool, filter.tool);
    exact(COLUMN_OF.session, filter.session);
    if (filter.agent !== undefined) {
      if (!this.#hasColumn(AGENT_COLUMN)) return;
      exact(AGENT_COLUMN, filter.agent);
    }
    if (filter.decisions?.length) (where.push(`decision IN (${filter.decisions.map(() => '?').join(', ')})`), params.push(...filter.decisions));
    if (filter.text) {
      const pattern = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(`(reason LIKE ? ESCAPE '\\' OR ${q(COLUMN_OF.errorMessage)} LIKE ? ESCAPE '\\')`);
      params.push(pattern, pattern);
    }
    if (filter.beforeId !== undefined) (where.push('id < ?'), params.push(filter.beforeId));
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    const statement = this.#prepare(sql);
    if (!statement) return;
    for (const row of statement.iterate(...params)) yield fromRow(row as Record<string, unknown>);
  }

  /** Decisions per server and bucket from `since` on, `bucketMs` wide, grouped as the chart draws them. */
  timeline(since: number, bucketMs: number): TimelineBucket[] {
    const statement = this.#prepare(`SELECT (time - ?) / ? AS bucket, server, decision, count(*) AS n FROM audit WHERE time >= ? GROUP BY bucket, server, decision`);
    if (!statement) return [];
    const buckets = new Map<string, TimelineBucket>();
    for (const row of statement.iterate(since, bucketMs, since) as Iterable<{ bucket: number; server: string; decision: string; n: number }>) {
      const start = since + Math.floor(row.bucket) * bucketMs;
      const key = `${start}\0${row.server}`;
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = { start, server: row.server, allowed: 0, refused: 0, held: 0 }));
      bucket[timelineClass(row.decision)] += row.n;
    }
    return [...buckets.values()].sort((a, b) => a.start - b.start || a.server.localeCompare(b.server));
  }

  /** The agents that called since `since`, most recent first (bounded), with their calls by class. */
  agents(since: number, limit: number): Array<{ agent: string; calls: number; refused: number; last: number }> {
    if (!this.#hasColumn(AGENT_COLUMN)) return [];
    const statement = this.#prepare(
      `SELECT ${q(AGENT_COLUMN)} AS agent, count(*) AS calls, sum(CASE WHEN decision IN (${REFUSED_SQL}) THEN 1 ELSE 0 END) AS refused, max(time) AS last FROM audit WHERE time >= ? AND ${q(AGENT_COLUMN)} IS NOT NULL GROUP BY agent ORDER BY last DESC LIMIT ?`,
    );
    return statement ? (statement.all(since, limit) as Array<{ agent: string; calls: number; refused: number; last: number }>) : [];
  }

  /** Distinct sessions of an agent, most recent first (bounded). */
  sessionsOf(agent: string, limit: number): Array<{ session: string; calls: number; last: number }> {
    if (!this.#hasColumn(AGENT_COLUMN)) return [];
    const statement = this.#prepare(
      `SELECT ${q(COLUMN_OF.session)} AS session, count(*) AS calls, max(time) AS last FROM audit WHERE ${q(AGENT_COLUMN)} = ? AND ${q(COLUMN_OF.session)} IS NOT NULL GROUP BY session ORDER BY last DESC LIMIT ?`,
    );
    return statement ? (statement.all(agent, limit) as Array<{ session: string; calls: number; last: number }>) : [];
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #hasColumn(column: string): boolean {
    return (this.#db.prepare("SELECT count(*) FROM pragma_table_info('audit') WHERE name = ?").pluck().get(column) as number) > 0;
  }

  #prepare(sql: string): Database.Statement | undefined {
    try {
      return this.#db.prepare(sql);
    } catch (error) {
      // A file with no table yet: the gateway created it but was stopped before its first batch.
      if (/no such table/.test((error as Error).message)) return undefined;
      throw sqliteStoreError(`cannot read the audit file ${this.file}`, error);
    }
  }
}
