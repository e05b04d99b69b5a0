/**
 * Query strings and bodies of the admin API, checked: each mistake is a 400 that says what is
 * accepted.
 */
import { AUDIT_DECISIONS, type AuditDecision } from '../audit/record.js';
import type { AuditSearch } from '../audit/reader.js';
import type { AuditQuery } from '../audit/store.js';
import { DURATION_PATTERN, parseDuration } from '../config/duration.js';
import type { Authenticated } from './auth.js';
import { adminError } from './http.js';

export function parseAuditQuery(query: URLSearchParams, now = Date.now()): AuditQuery {
  const filter: AuditQuery = { newest: true, limit: parseLimit(query.get('limit'), 100, 1000) };
  const server = query.get('server');
  if (server) filter.server = server;
  const tool = query.get('tool');
  if (tool) filter.tool = tool;
  const decision = query.get('decision');
  if (decision) filter.decisions = parseDecisions(decision);
  const since = query.get('since');
  if (since) filter.since = parseSince(since, now);
  const afterId = query.get('after_id');
  if (afterId) {
    if (!/^\d+$/.test(afterId)) throw adminError('invalid_request', `after_id must be a record id (a whole number), not "${afterId}"`);
    filter.afterId = Number(afterId);
  }
  return filter;
}

/** Longest value accepted for a search field (names are bounded far below this where they are kept). */
const MAX_FIELD = 256;
const MAX_TEXT = 200;
const SEARCH_PARAMS = ['from', 'to', 'server', 'tool', 'agent', 'session', 'decision', 'q', 'before_id', 'limit', 'format'];

/**
 * The dashboard's audit search: every parameter checked and bounded, unknown ones refused (a
 * typo must not silently widen a search or an export). `maxLimit` bounds a page or an export.
 */
export function parseAuditSearch(query: URLSearchParams, options: { defaultLimit: number; maxLimit: number }, now = Date.now()): AuditSearch {
  for (const name of query.keys()) {
    if (!SEARCH_PARAMS.includes(name)) throw adminError('invalid_request', `Unknown search parameter "${name.slice(0, 40)}"`, `use ${SEARCH_PARAMS.join(', ')}`);
  }
  const search: AuditSearch = { limit: parseLimit(query.get('limit'), options.defaultLimit, options.maxLimit) };
  const from = query.get('from');
  if (from) search.from = parseSince(from, now, 'from');
  const to = query.get('to');
  if (to) search.to = parseSince(to, now, 'to');
  for (const field of ['server', 'tool', 'agent', 'session'] as const) {
    const value = query.get(field);
    if (!value) continue;
    if (value.length > MAX_FIELD) throw adminError('invalid_request', `${field} is at most ${MAX_FIELD} characters`);
    search[field] = value;
  }
  const text = query.get('q');
  if (text) {
    if (text.length > MAX_TEXT) throw adminError('invalid_request', `q (words in the reasons) is at most ${MAX_TEXT} characters`);
    search.text = text;
  }
  const decision = query.get('decision');
  if (decision) search.decisions = parseDecisions(decision);
  const before = query.get('before_id');
  if (before) {
    if (!/^\d{1,15}$/.test(before)) throw adminError('invalid_request', `before_id must be a record id (a whole number), not "${before.slice(0, 40)}"`);
    search.beforeId = Number(before);
  }
  return search;
}

function parseDecisions(text: string): AuditDecision[] {
  const decisions = text.split(',').map((d) => d.trim()).filter(Boolean);
  const unknown = decisions.filter((d) => !(AUDIT_DECISIONS as readonly string[]).includes(d));
  if (unknown.length) throw adminError('invalid_request', `Unknown decision ${unknown.slice(0, 5).map((d) => `"${d.slice(0, 40)}"`).join(', ')}`, `use one or more of ${AUDIT_DECISIONS.join(', ')}, separated by commas`);
  return decisions as AuditDecision[];
}

/** `since`: ms since the epoch, an ISO date, or a duration back from now (`15m`, `2h`, `7d`). */
function parseSince(text: string, now: number, name = 'since'): number {
  if (/^\d{12,}$/.test(text)) return Number(text);
  if (new RegExp(DURATION_PATTERN).test(text)) return now - parseDuration(text);
  const date = Date.parse(text);
  if (!Number.isNaN(date)) return date;
  throw adminError('invalid_request', `${name} must be a time: ms since the epoch, an ISO date (2026-05-01T12:00:00Z), or a duration back from now (15m, 2h, 7d); got "${text.slice(0, 60)}"`);
}

export function parseLimit(text: string | null, fallback: number, max: number): number {
  if (text === null || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw adminError('invalid_request', `limit must be a whole number from 1 to ${max}, not "${text}"`);
  return Number(text);
}

/**
 * Who is recorded as deciding: a named operator is recorded by their name, and a name in the body
 * is ignored (a person cannot decide under somebody else's name). The shared token names nobody,
 * so its holder may give a name; without one, how they came: `dashboard` or `api`.
 */
export function parseApprover(value: unknown, auth: Authenticated): string {
  if (auth.operator.name !== undefined) return auth.operator.name;
  if (value === undefined || value === null || value === '') return auth.credential === 'cookie' ? 'dashboard' : 'api';
  if (typeof value !== 'string' || value.length > 100) throw adminError('invalid_request', 'approver must be a name of at most 100 characters');
  return value.trim();
}
