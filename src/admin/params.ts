/**
 * Query strings and bodies of the admin API, checked: each mistake is a 400 that says what is
 * accepted.
 */
import { AUDIT_DECISIONS, type AuditDecision } from '../audit/record.js';
import type { AuditQuery } from '../audit/store.js';
import { DURATION_PATTERN, parseDuration } from '../config/duration.js';
import type { Credential } from './auth.js';
import { adminError } from './http.js';

export function parseAuditQuery(query: URLSearchParams, now = Date.now()): AuditQuery {
  const filter: AuditQuery = { newest: true, limit: parseLimit(query.get('limit'), 100, 1000) };
  const server = query.get('server');
  if (server) filter.server = server;
  const tool = query.get('tool');
  if (tool) filter.tool = tool;
  const decision = query.get('decision');
  if (decision) {
    const decisions = decision.split(',').map((d) => d.trim()).filter(Boolean);
    const unknown = decisions.filter((d) => !(AUDIT_DECISIONS as readonly string[]).includes(d));
    if (unknown.length) throw adminError('invalid_request', `Unknown decision ${unknown.map((d) => `"${d}"`).join(', ')}`, `use one or more of ${AUDIT_DECISIONS.join(', ')}, separated by commas`);
    filter.decisions = decisions as AuditDecision[];
  }
  const since = query.get('since');
  if (since) filter.since = parseSince(since, now);
  const afterId = query.get('after_id');
  if (afterId) {
    if (!/^\d+$/.test(afterId)) throw adminError('invalid_request', `after_id must be a record id (a whole number), not "${afterId}"`);
    filter.afterId = Number(afterId);
  }
  return filter;
}

/** `since`: ms since the epoch, an ISO date, or a duration back from now (`15m`, `2h`, `7d`). */
function parseSince(text: string, now: number): number {
  if (/^\d{12,}$/.test(text)) return Number(text);
  if (new RegExp(DURATION_PATTERN).test(text)) return now - parseDuration(text);
  const date = Date.parse(text);
  if (!Number.isNaN(date)) return date;
  throw adminError('invalid_request', `since must be a time: ms since the epoch, an ISO date (2026-05-01T12:00:00Z), or a duration back from now (15m, 2h, 7d); got "${text}"`);
}

export function parseLimit(text: string | null, fallback: number, max: number): number {
  if (text === null || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw adminError('invalid_request', `limit must be a whole number from 1 to ${max}, not "${text}"`);
  return Number(text);
}

export function parseApprover(value: unknown, credential: Credential): string {
  if (value === undefined || value === null || value === '') return credential === 'cookie' ? 'dashboard' : 'api';
  if (typeof value !== 'string' || value.length > 100) throw adminError('invalid_request', 'approver must be a name of at most 100 characters');
  return value.trim();
}
