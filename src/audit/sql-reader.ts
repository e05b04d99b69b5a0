/**
 * The dashboard's AuditReader over SQL, for SQLite and PostgreSQL alike: every filter and summary
 * is written here once, so both backends answer the same (one shared suite checks it); a backend
 * says only how it names parameters, matches free text and sorts text, and runs the statement.
 */
import { AUDIT_DECISIONS, COLUMN_OF, isPinDecision, type AuditRecord } from './record.js';
import { timelineClass, type AgentSummary, type AuditReader, type AuditSearch, type ClassCounts, type SessionSummary, type TimelineBucket } from './reader.js';

type Rows = Array<Record<string, unknown>>;

/** What differs between the databases. */
export interface SqlBackend {
  readonly table: string;
  /** The placeholder of the n-th parameter (1-based). */
  placeholder(n: number): string;
  /** `column` LIKE the placeholder's pattern (escaped with `\`), ignoring the case of ASCII letters only. */
  contains(column: string, placeholder: string): string;
  /** `column` as sorted byte by byte, whatever the database's collation. */
  binary(column: string): string;
  /** Runs one statement; `what` names it in errors (a `store_error` naming the store). */
  all(what: string, sql: string, params: unknown[]): Promise<Rows>;
  fromRow(row: Record<string, unknown>): AuditRecord;
  /** False for a trail written before agents were recorded: what asks for agents finds nothing. */
  hasAgents(): Promise<boolean>;
  close(): Promise<void>;
}

/** A statement being built: its backend, and its parameters so far. */
interface SqlDialect {
  readonly table: string;
  param(value: unknown): string;
  contains(column: string, placeholder: string): string;
  binary(column: string): string;
}

/** The refusals, as SQL literals (fixed names, never input). */
const REFUSED_SQL = AUDIT_DECISIONS.filter((d) => timelineClass(d) === 'refused').map((d) => `'${d}'`).join(', ');

export class SqlAuditReader implements AuditReader {
  readonly #backend: SqlBackend;

  constructor(backend: SqlBackend) {
    this.#backend = backend;
  }

  async records(filter: AuditSearch): Promise<AuditRecord[]> {
    if (filter.agent !== undefined && !(await this.#backend.hasAgents())) return [];
    return (await this.#all('cannot search the audit trail', (sql) => recordsSql(filter, sql))).map((row) => this.#backend.fromRow(row));
  }

  async counts(filter: Omit<AuditSearch, 'limit'>): Promise<ClassCounts> {
    if (filter.agent !== undefined && !(await this.#backend.hasAgents())) return classCounts([]);
    return classCounts(await this.#all('cannot count audit records', (sql) => countsSql(filter, sql)));
  }

  async timeline(since: number, bucketMs: number): Promise<TimelineBucket[]> {
    return timelineBuckets(await this.#all('cannot count decisions over time', (sql) => timelineSql(since, bucketMs, sql)), since, bucketMs);
  }

  async agents(since: number, limit: number): Promise<AgentSummary[]> {
    if (!(await this.#backend.hasAgents())) return [];
    const rows = await this.#all('cannot list the agents', (sql) => agentsSql(since, limit, sql));
    return rows.map((row) => ({ agent: String(row.agent), calls: Number(row.calls), refused: Number(row.refused), last: Number(row.last) }));
  }

  async sessionsOf(agent: string, limit: number): Promise<SessionSummary[]> {
    if (!(await this.#backend.hasAgents())) return [];
    const rows = await this.#all('cannot list the sessions of an agent', (sql) => sessionsSql(agent, limit, sql));
    return rows.map((row) => ({ session: String(row.session), calls: Number(row.calls), last: Number(row.last) }));
  }

  close(): Promise<void> {
    return this.#backend.close();
  }

  #all(what: string, build: (sql: SqlDialect) => string): Promise<Rows> {
    const backend = this.#backend;
    const params: unknown[] = [];
    const text = build({
      table: backend.table,
      param: (value) => (params.push(value), backend.placeholder(params.length)),
      contains: (column, placeholder) => backend.contains(column, placeholder),
      binary: (column) => backend.binary(column),
    });
    return backend.all(what, text, params);
  }
}

const quoted = (column: string): string => `"${column}"`;
const AGENT = quoted(COLUMN_OF.agent);
const SESSION = quoted(COLUMN_OF.session);

/** The search's records, newest first. */
function recordsSql(filter: AuditSearch, sql: SqlDialect): string {
  return `SELECT * FROM ${sql.table} ${whereSql(filter, sql)} ORDER BY id DESC LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
}

/** Rows `{decision, n}`: the search's records counted by decision. */
function countsSql(filter: Omit<AuditSearch, 'limit'>, sql: SqlDialect): string {
  return `SELECT decision, count(*) AS n FROM ${sql.table} ${whereSql(filter, sql)} GROUP BY decision`;
}

function classCounts(rows: Rows): ClassCounts {
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
function timelineSql(since: number, bucketMs: number, sql: SqlDialect): string {
  return `SELECT (time - ${sql.param(since)}) / ${sql.param(bucketMs)} AS bucket, server, decision, count(*) AS n FROM ${sql.table} WHERE time >= ${sql.param(since)} GROUP BY bucket, server, decision`;
}

function timelineBuckets(rows: Rows, since: number, bucketMs: number): TimelineBucket[] {
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

function agentsSql(since: number, limit: number, sql: SqlDialect): string {
  return (
    `SELECT ${AGENT} AS agent, count(*) AS calls, sum(CASE WHEN decision IN (${REFUSED_SQL}) THEN 1 ELSE 0 END) AS refused, max(time) AS last ` +
    `FROM ${sql.table} WHERE time >= ${sql.param(since)} AND ${AGENT} IS NOT NULL GROUP BY ${AGENT} ORDER BY last DESC, ${sql.binary(AGENT)} LIMIT ${sql.param(limit)}`
  );
}

function sessionsSql(agent: string, limit: number, sql: SqlDialect): string {
  return (
    `SELECT ${SESSION} AS session, count(*) AS calls, max(time) AS last FROM ${sql.table} ` +
    `WHERE ${AGENT} = ${sql.param(agent)} AND ${SESSION} IS NOT NULL GROUP BY ${SESSION} ORDER BY last DESC, ${sql.binary(SESSION)} LIMIT ${sql.param(limit)}`
  );
}

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
