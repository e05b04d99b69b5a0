/** Tiny builders for the audit tests: each test states only what it is about. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AUDIT_DEFAULTS } from '../../src/config/build.js';
import type { AuditConfig } from '../../src/config/types.js';
import type { CallCompletion, DecisionEvent } from '../../src/gateway/context.js';
import type { Decision, ToolCall } from '../../src/policy/types.js';
import type { NewAuditRecord } from '../../src/audit/record.js';

/** A fixed start, so failures reproduce. */
export const T0 = 1_700_000_000_000;
export const DAY = 86_400_000;

export const silentLog = pino({ level: process.env.TOOLGATE_TEST_LOG ?? 'silent' }, pino.destination(2));

export function tempDir(prefix = 'toolgate-audit-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

let uidCount = 0;

export function record(overrides: Partial<NewAuditRecord> = {}): NewAuditRecord {
  return {
    uid: `test:${++uidCount}`,
    time: T0,
    method: 'tools/call',
    server: 'app',
    tool: 'echo',
    session: 'session-1',
    requestId: String(uidCount),
    decision: 'allowed',
    policyDecision: 'allow',
    mode: 'enforce',
    rulePattern: 'default',
    rulePart: 'default',
    reason: null,
    issues: null,
    policyRevision: 'rev1',
    rateLimit: null,
    budget: null,
    policyUs: 12,
    forwarded: true,
    outcome: null,
    upstreamMs: null,
    errorType: null,
    errorMessage: null,
    approver: null,
    argsKeys: null,
    argsSha256: null,
    args: null,
    agent: null,
    pinSha256: null,
    seenSha256: null,
    ...overrides,
  };
}

export function call(tool = 'echo', args: Record<string, unknown> = {}, server = 'app'): ToolCall {
  return { server, tool, args, session: 'session-1' };
}

let requestCount = 0;

export function decided(toolCall: ToolCall, decision: Decision = { kind: 'allow', rule: { pattern: 'default', part: 'default' }, mode: 'enforce' }, time = T0): DecisionEvent {
  const refused = decision.kind !== 'allow';
  return {
    time,
    call: toolCall,
    decision,
    forwarded: !refused || decision.mode === 'monitor',
    policyRevision: 'rev1',
    policyMicros: 7.4,
    requestId: ++requestCount,
  };
}

export function completed(event: DecisionEvent, outcome: CallCompletion['outcome'] = 'result', upstreamMs = 3.25, error?: CallCompletion['error']): CallCompletion {
  return { time: event.time + 4, call: event.call, requestId: event.requestId, outcome, upstreamMs, ...(error ? { error } : {}) };
}

export function settings(overrides: Partial<AuditConfig> = {}): AuditConfig {
  return { ...AUDIT_DEFAULTS, retention: { ...AUDIT_DEFAULTS.retention }, ...overrides };
}
