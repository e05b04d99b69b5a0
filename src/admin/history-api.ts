/**
 * The admin API behind the dashboard's views beyond "now": decisions over time, audit search and
 * export, a page per agent, tool and session, and the policy in force. Reads the audit
 * trail through a reader of its own — the SQLite file (a read-only connection) or, with
 * `audit.postgres`, the fleet's trail; it never writes (pin review is in pin-review.ts).
 */
import type { ServerResponse } from 'node:http';
import { auditFile } from '../audit/audit-log.js';
import { PostgresAuditReader } from '../audit/postgres-reader.js';
import { COLUMNS, exportRecord } from '../audit/record.js';
import { iterateAudit, searchAudit, type AuditReader, type AuditSearch } from '../audit/reader.js';
import { SqliteAuditReader } from '../audit/sqlite-reader.js';
import type { AdminHost } from './admin-api.js';
import type { CatalogView } from './catalog-view.js';
import { adminError, SECURITY_HEADERS } from './http.js';
import { parseAuditSearch } from './params.js';
import { policyInForce } from './policy-view.js';

/** The chart's ranges: how far back, and how wide a bar. */
export const TIMELINE_RANGES = {
  hour: { spanMs: 3_600_000, bucketMs: 60_000 },
  day: { spanMs: 86_400_000, bucketMs: 1_800_000 },
  week: { spanMs: 7 * 86_400_000, bucketMs: 4 * 3_600_000 },
} as const;
export type TimelineRange = keyof typeof TIMELINE_RANGES;

const PAGE = { defaultLimit: 50, maxLimit: 500 };
/** An export is one filter's records, at most this many (newest first). */
const EXPORT = { defaultLimit: 100_000, maxLimit: 100_000 };
const RECENT = 25;
const MAX_NAME = 256;

export class HistoryApi {
  readonly #host: AdminHost;
  readonly #catalog: CatalogView;
  readonly #startedAt: number;
  #reader?: AuditReader;

  constructor(host: AdminHost, catalog: CatalogView, startedAt: number) {
    this.#host = host;
    this.#catalog = catalog;
    this.#startedAt = startedAt;
  }

  close(): void {
    void this.#reader?.close();
    this.#reader = undefined;
  }

  async timeline(query: URLSearchParams) {
    const range = query.get('range') ?? 'hour';
    if (!Object.hasOwn(TIMELINE_RANGES, range)) throw adminError('invalid_request', `range must be one of ${Object.keys(TIMELINE_RANGES).join(', ')}, not "${range.slice(0, 40)}"`);
    const { spanMs, bucketMs } = TIMELINE_RANGES[range as TimelineRange];
    const now = this.#host.now();
    // Bars start on whole buckets, so the same call always falls in the same bar.
    const since = Math.floor((now - spanMs) / bucketMs) * bucketMs + bucketMs;
    return { range, since, until: now, bucketMs, servers: this.#host.serverIds(), buckets: await this.#audit().timeline(since, bucketMs) };
  }

  search(query: URLSearchParams) {
    const filter = parseAuditSearch(query, PAGE, this.#host.now());
    return searchAudit(this.#audit(), filter);
  }

  /** Streams the filter's records as CSV or JSON lines, newest first. */
  async export(query: URLSearchParams, response: ServerResponse): Promise<void> {
    const format = query.get('format') ?? 'jsonl';
    if (format !== 'csv' && format !== 'jsonl') throw adminError('invalid_request', `format must be csv or jsonl, not "${format.slice(0, 40)}"`);
    const filter = parseAuditSearch(query, EXPORT, this.#host.now());
    const records = iterateAudit(this.#audit(), filter);
    // The first page is read before answering: a store that is down is a 503, not a cut-off 200.
    let next = await records.next();
    const stamp = new Date(this.#host.now()).toISOString().replace(/[:.]/g, '-');
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8',
      'content-disposition': `attachment; filename="toolgate-audit-${stamp}.${format}"`,
    });
    if (format === 'csv') await write(response, `${COLUMNS.map(([, column]) => csvCell(column)).join(',')}\r\n`);
    for (; !next.done; next = await records.next()) {
      const record = next.value;
      const line = format === 'csv' ? `${COLUMNS.map(([field]) => csvCell(record[field])).join(',')}\r\n` : `${JSON.stringify(exportRecord(record))}\n`;
      await write(response, line);
    }
    response.end();
  }

  /** A tool: its class and reasons (the catalog), its rule, its recent calls. */
  async tool(server: string, tool: string) {
    this.#knownServer(server);
    const snapshot = await this.#catalog.get();
    const entry = snapshot.servers.find((s) => s.id === server)?.tools.find((t) => t.name === tool) ?? null;
    const policy = this.#host.policy();
    const explained = entry ? null : policy.explain(server, tool);
    return { server, tool, entry, rule: explained, ...(await this.#activity({ server, tool })) };
  }

  async session(id: string) {
    return { session: id, ...(await this.#activity({ session: id })) };
  }

  agents() {
    return this.#audit().agents(this.#host.now() - TIMELINE_RANGES.week.spanMs, 200);
  }

  async agent(id: string) {
    return { agent: id, sessions: await this.#audit().sessionsOf(id, 50), ...(await this.#activity({ agent: id })) };
  }

  policy() {
    const reloads = this.#host.reloads;
    return policyInForce(this.#host.config, this.#host.policy(), reloads?.lastAppliedAt ?? this.#startedAt);
  }

  /** Recent calls, and their counts by class over the last week, for a page. */
  async #activity(filter: Omit<AuditSearch, 'limit'>) {
    const reader = this.#audit();
    const [recent, counts] = await Promise.all([
      reader.records({ ...filter, limit: RECENT }),
      reader.counts({ ...filter, from: this.#host.now() - TIMELINE_RANGES.week.spanMs }),
    ]);
    return { counts, recent };
  }

  /** The reader of the trail this gateway writes: the fleet's PostgreSQL, or the SQLite file. */
  #audit(): AuditReader {
    if (!this.#host.audit) {
      throw adminError('not_found', 'The audit trail is off in this gateway (audit.enabled: false)', 'set audit.enabled: true (the default) and restart; history, search and the pages per agent, tool and session read it');
    }
    const postgres = this.#host.config.audit?.postgres;
    this.#reader ??= postgres ? new PostgresAuditReader(postgres.url) : new SqliteAuditReader(auditFile(this.#host.config));
    return this.#reader;
  }

  #knownServer(server: string): void {
    if (!this.#host.serverIds().includes(server)) throw adminError('not_found', `No MCP server "${server.slice(0, 100)}" is configured`, `known servers: ${this.#host.serverIds().join(', ')}`);
  }
}

/** A path segment naming a tool, session or agent: bounded like the search fields. */
export function boundedName(value: string, what: string): string {
  if (value.length === 0 || value.length > MAX_NAME) throw adminError('invalid_request', `The ${what} in the path must be 1 to ${MAX_NAME} characters`);
  return value;
}

/**
 * One CSV cell (RFC 4180). A text starting with = + - @ or a tab is prefixed with ' so a
 * spreadsheet shows it instead of running it: tool names and reasons come from agents and upstreams.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function write(response: ServerResponse, chunk: string): Promise<void> | void {
  if (response.write(chunk)) return;
  return new Promise((resolve, reject) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      if (response.destroyed) reject(new Error('the client went away during the export'));
      else resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}
