/**
 * Reading the audit trail for people (the dashboard's history, search, export and pages): search
 * with exact filters and free text over reasons, paged newest first; counts over time for the
 * chart; the agents and their sessions. One interface, read from the SQLite file or the fleet's
 * PostgreSQL through the same SQL (`sql-reader.ts`), so both answer the same.
 */
import type { AuditDecision, AuditRecord } from './record.js';

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
