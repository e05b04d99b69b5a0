/**
 * The admin API's answers, as types shared by the server (admin-api.ts) and the dashboard's
 * browser code (which imports them as types only, so nothing of the server reaches the page).
 */
import type { AuditRecord } from '../audit/record.js';
import type { Mode } from '../config/types.js';
import type { ServerHealth } from './catalog-view.js';
import type { FeedEntry } from './live-feed.js';
import type { ServerSnippets } from './snippets.js';

export type { Approval, ApprovalStatus } from '../approvals/types.js';
export type { CatalogServer, CatalogSnapshot, ServerHealth } from './catalog-view.js';
export type { FeedEntry } from './live-feed.js';
export type { RateLimitRow } from './rate-limits.js';

export interface ServerSummary {
  id: string;
  kind: 'stdio' | 'http';
  /** The command line, or the URL. */
  upstream: string;
  mode: Mode;
  /** Where clients connect: built from the Host the caller used. */
  proxyUrl: string;
  /** Client sessions open on this server now. */
  sessions: number;
  health: ServerHealth;
  snippets: ServerSnippets;
}

export interface Overview {
  version: string;
  mode: Mode;
  policyRevision: string;
  /** A fleet's instances (shared Redis state) with the policy revision each runs; absent for a lone gateway. */
  fleet?: Array<{ instance: string; process: string; policyRevision: string; seenAt: number }>;
  configFile: string | null;
  startedAt: number;
  now: number;
  sessions: number;
  audit: { enabled: boolean };
  approvals: { enabled: boolean; pending: number };
  servers: ServerSummary[];
}

/** `GET audit`: stored records, newest first, each with the key live `audit` events use. */
export type AuditRow = AuditRecord & { key: string };

/** The `decision` event: every decision as it is taken. */
export interface DecisionSummary {
  time: number;
  server: string;
  tool: string;
  session: string | null;
  requestId: string | number;
  /** The policy's decision kind: allow, hold, deny, hide, invalid, rate_limited, over_budget. */
  decision: string;
  mode: Mode;
  rule: string;
  part: string;
  reason: string | null;
  forwarded: boolean;
  policyMicros: number;
}

/** The `catalog` event: a server was listed (or failed to be). */
export interface CatalogEvent {
  server: string;
  health: ServerHealth;
}

/** A row of the feed: a stored record or a live entry (the same fields; live ones have no id or arguments). */
export type FeedRow = FeedEntry & Partial<Pick<AuditRecord, 'id' | 'args' | 'argsKeys'>>;

/** The dashboard's views beyond "now" (history-api.ts): the answers, as its methods give them. */
type History = import('./history-api.js').HistoryApi;
export type TimelineAnswer = Awaited<ReturnType<History['timeline']>>;
export type SearchAnswer = Awaited<ReturnType<History['search']>>;
export type ToolPage = Awaited<ReturnType<History['tool']>>;
export type SessionPage = Awaited<ReturnType<History['session']>>;
export type AgentPage = Awaited<ReturnType<History['agent']>>;
export type AgentSummary = Awaited<ReturnType<History['agents']>>[number];
export type PinReview = Awaited<ReturnType<import('./pin-review.js').PinReviewApi['list']>>[number];
export type { PolicyView } from './policy-view.js';
export type { AuditRecord } from '../audit/record.js';
