/**
 * Reading the audit trail for people (the dashboard's history, search, export and pages): search
 * with exact filters and free text over reasons, paged newest first; counts over time for the
 * chart; the agents and their sessions. One interface, a SQLite and a PostgreSQL reader; the SQL
 * of the filters and summaries is built here once, so both answer the same (one shared suite
 * checks it), and the readers differ only in placeholders and how they run it.
 */
import { AUDIT_DECISIONS, COLUMN_OF, isPinDecision, type AuditDecision, type AuditRecord } from './record.js';

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
  /** Words found in the reason or the error message (literal; case-insensitive for ASCII letters). */
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

export type ClassCounts = Record<TimelineClass | 'total', number>;

export interface AgentSummary {
  agent: string;
  calls: number;
  refused: number;
  /** The agent's last call (ms epoch). */
  last: number;
}

export interface SessionSummary {
  session: string;
  calls: number;
  last: number;
}

/** The dashboard's reads of one trail. Every method may reject with a `store_error`. */
export interface AuditReader {
  /** At most `filter.limit` matching records, newest first. */
  records(filter: AuditSearch): Promise<AuditRecord[]>;
  /** How many records match, by class (`filter.limit` is not used). */
  counts(filter: Omit<AuditSearch, 'limit'>): Promise<ClassCounts>;
  /** Decisions per server and bucket from `since` on, `bucketMs` wide, grouped as the chart draws them. */
  timeline(since: number, bucketMs: number): Promise<TimelineBucket[]>;
  /** The agents that called since `since`, most recent first (bounded), with their calls and refusals. */
  agents(since: number, limit: number): Promise<AgentSummary[]>;
  /** Distinct sessions of an agent, most recent first (bounded). */
  sessionsOf(agent: string, limit: number): Promise<SessionSummary[]>;
  close(): Promise<void>;
}

const ALLOWED: readonly AuditDecision[] = ['allowed', 'approved', 'upstream_error', 'monitor_would_refuse'];
const HELD: readonly AuditDecision[] = ['approval_pending'];
/** The refusals, as SQL literals (fixed names, never input). */
const REFUSED_SQL = AUDIT_DECISIONS.filter((d) => timelineClass(d) === 'refused').map((d) => `'${d}'`).join(', ');
/** Rows per round trip when a search is read in full (exports). */
const PAGE = 1000;

/** The class a decision is drawn in. */
export function timelineClass(decision: string): TimelineClass {
  if ((ALLOWED as readonly string[]).includes(decision)) return 'allowed';
  if ((HELD as readonly string[]).includes(decision)) return 'held';
  return 'refused';
}

/** One page, newest first; `nextBeforeId` continues it (null: no more). */
export async function searchAudit(reader: AuditReader, filter: AuditSearch): Promise<{ records: AuditRecord[]; nextBeforeId: number | null }> {
  const records = await reader.records({ ...filter, limit: filter.limit + 1 });
  const more = records.length > filter.limit;
  if (more) records.pop();
  return { records, nextBeforeId: more ? records[records.length - 1].id : null };
}

/** Every matching record up to `filter.limit`, newest first, a page per round trip (exports larger than memory). */
export async function* iterateAudit(reader: AuditReader, filter: AuditSearch): AsyncGenerator<AuditRecord> {
  let { beforeId } = filter;
  for (let left = filter.limit; left > 0; ) {
    const want = Math.min(PAGE, left);
    const page = await reader.records({ ...filter, beforeId, limit: want });
    yield* page;
    if (page.length < want) return;
    left -= page.length;
    beforeId = page[page.length - 1].id;
  }
}

/** Where the SQL of two databases differs, for the statements below. */
export interface SqlDialect {
  readonly table: string;
  /** Adds a parameter; answers its placeholder. */
  param(value: unknown): string;
  /** `column` LIKE the placeholder's pattern (escaped with `\`), ignoring the case of ASCII letters only. */
  contains(column: string, placeholder: string): string;
  /** `column` as sorted byte by byte, whatever the database's collation. */
  binary(column: string): string;
}

export const quoted = (column: string): string => `"${column}"`;
const AGENT = quoted(COLUMN_OF.agent);
const SESSION = quoted(COLUMN_OF.session);

/** The search's records, newest first. */
export function recordsSql(filter: AuditSearch, sql: SqlDialect): string {
  return `SELECT * FROM ${sql.table} ${whereSql(filter, sql)} ORDER BY id DESC LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
}

/** Rows `{decision, n}`: the search's records counted by decision. */
export function countsSql(filter: Omit<AuditSearch, 'limit'>, sql: SqlDialect): string {
  return `SELECT decision, count(*) AS n FROM ${sql.table} ${whereSql(filter, sql)} GROUP BY decision`;
}

export function classCounts(rows: ReadonlyArray<Record<string, unknown>>): ClassCounts {
  const counts: ClassCounts = { allowed: 0, refused: 0, held: 0, total: 0 };
  for (const row of rows) {
    if (isPinDecision(String(row.decision))) continue; // pin events are listed with the calls, not counted as calls
    const n = Number(row.n);
    counts[timelineClass(String(row.decision))] += n;
    counts.total += n;
  }
  return counts;
}

/** Rows `{bucket, server, decision, n}`. */
export function timelineSql(since: number, bucketMs: number, sql: SqlDialect): string {
  return `SELECT (time - ${sql.param(since)}) / ${sql.param(bucketMs)} AS bucket, server, decision, count(*) AS n FROM ${sql.table} WHERE time >= ${sql.param(since)} GROUP BY bucket, server, decision`;
}

export function timelineBuckets(rows: ReadonlyArray<Record<string, unknown>>, since: number, bucketMs: number): TimelineBucket[] {
  const buckets = new Map<string, TimelineBucket>();
  for (const row of rows) {
    if (isPinDecision(String(row.decision))) continue;
    const start = since + Math.floor(Number(row.bucket)) * bucketMs;
    const server = String(row.server);
    const key = `${start}\0${server}`;
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = { start, server, allowed: 0, refused: 0, held: 0 }));
    bucket[timelineClass(String(row.decision))] += Number(row.n);
  }
  return [...buckets.values()].sort((a, b) => a.start - b.start || (a.server < b.server ? -1 : a.server > b.server ? 1 : 0));
}

export function agentsSql(since: number, limit: number, sql: SqlDialect): string {
  return (
    `SELECT ${AGENT} AS agent, count(*) AS calls, sum(CASE WHEN decision IN (${REFUSED_SQL}) THEN 1 ELSE 0 END) AS refused, max(time) AS last ` +
    `FROM ${sql.table} WHERE time >= ${sql.param(since)} AND ${AGENT} IS NOT NULL GROUP BY ${AGENT} ORDER BY last DESC, ${sql.binary(AGENT)} LIMIT ${sql.param(limit)}`
  );
}

export const agentSummaries = (rows: ReadonlyArray<Record<string, unknown>>): AgentSummary[] =>
  rows.map((row) => ({ agent: String(row.agent), calls: Number(row.calls), refused: Number(row.refused), last: Number(row.last) }));

export function sessionsSql(agent: string, limit: number, sql: SqlDialect): string {
  return (
    `SELECT ${SESSION} AS session, count(*) AS calls, max(time) AS last FROM ${sql.table} ` +
    `WHERE ${AGENT} = ${sql.param(agent)} AND ${SESSION} IS NOT NULL GROUP BY ${SESSION} ORDER BY last DESC, ${sql.binary(SESSION)} LIMIT ${sql.param(limit)}`
  );
}

export const sessionSummaries = (rows: ReadonlyArray<Record<string, unknown>>): SessionSummary[] =>
  rows.map((row) => ({ session: String(row.session), calls: Number(row.calls), last: Number(row.last) }));

function whereSql(filter: Omit<AuditSearch, 'limit'>, sql: SqlDialect): string {
  const where: string[] = [];
  const exact = (column: string, value: string | undefined) => {
    if (value !== undefined) where.push(`${quoted(column)} = ${sql.param(value)}`);
  };
  if (filter.from !== undefined) where.push(`time >= ${sql.param(filter.from)}`);
  if (filter.to !== undefined) where.push(`time < ${sql.param(filter.to)}`);
  exact('server', filter.server);
  exact(COLUMN_OF.tool, filter.tool);
  exact(COLUMN_OF.session, filter.session);
  exact(COLUMN_OF.agent, filter.agent);
  if (filter.decisions?.length) where.push(`decision IN (${filter.decisions.map((d) => sql.param(d)).join(', ')})`);
  if (filter.text) {
    const pattern = `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(`(${sql.contains('reason', sql.param(pattern))} OR ${sql.contains(quoted(COLUMN_OF.errorMessage), sql.param(pattern))})`);
  }
  if (filter.beforeId !== undefined) where.push(`id < ${sql.param(filter.beforeId)}`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}
