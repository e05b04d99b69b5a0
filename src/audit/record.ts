/**
 * One audit record per `tools/call`, and how gateway events become records. Field names follow
 * the OpenTelemetry MCP semantic conventions where they define one (`mcp.method.name`,
 * `gen_ai.tool.name`, `mcp.session.id`, `jsonrpc.request.id`, `error.type`,
 * `gen_ai.tool.call.arguments`); those names are the SQLite column names and the JSON export
 * keys. toolgate's own fields are snake_case, like the YAML.
 */
import type { Mode } from '../config/types.js';
import type { Approval } from '../approvals/types.js';
import type { PinRecord } from '../catalog/pins.js';
import type { CallCompletion, DecisionEvent } from '../gateway/context.js';
import type { BudgetState, Decision, RateLimitState, ValidationIssue } from '../policy/types.js';
import { keptName, keptText } from '../text-bounds.js';
import { INVALID_PARAMS } from '../transport/jsonrpc.js';
import type { ArgumentsDigest } from './arguments.js';

/**
 * What happened to a call, as the audit reports it. Stored as text without a CHECK constraint,
 * so values can be added (approvals will add `approval_pending`, `approved`, `refused`,
 * `expired`) without migrating existing files; readers must accept values they do not know.
 */
export const AUDIT_DECISIONS = [
  'allowed',
  'denied',
  'hidden',
  'rate_limited',
  /** The call's amount would have taken its budget past `max`. */
  'over_budget',
  'invalid_arguments',
  /** Any refusal in monitor mode: the call was forwarded; `policy_decision` says what enforcement would have done. */
  'monitor_would_refuse',
  /** Allowed, forwarded, and failed at the upstream (JSON-RPC error or the upstream died). */
  'upstream_error',
  /** Held for a person's approval; the record changes to one of the four below when decided. */
  'approval_pending',
  'approved',
  'refused',
  'expired',
  /** The agent's connection went away before anyone decided (cancelled, disconnected, restart). */
  'abandoned',
  /** Pin events (method `toolgate/pin`, not calls): a definition seen different from its pin, a tool new since its server was pinned, one a complete listing lacks. */
  'pin_changed',
  'pin_added',
  'pin_removed',
  /** A person's decision on a pending definition: it became the pin, or it stays blocked. */
  'pin_accepted',
  'pin_rejected',
] as const;
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/** The decisions of pin events, which are no calls (summaries of calls leave them out). */
export const isPinDecision = (decision: string): boolean => decision.startsWith('pin_');

export interface AuditRecord {
  /** Assigned by the store when the record is committed; increases with every record, never reused. */
  id: number;
  /** Unique across processes and restarts (`<boot>:<seq>`); makes journal replay idempotent. */
  uid: string;
  /** When the decision was taken, ms since the epoch. */
  time: number;
  /** `toolgate/pin` for a pin event (no call: no session, request, arguments or agent). */
  method: 'tools/call' | typeof PIN_METHOD;
  server: string;
  tool: string;
  session: string | null;
  requestId: string;
  decision: AuditDecision;
  /** What the policy decided, before monitor mode and the upstream's answer; `pin` for a pin event. */
  policyDecision: Decision['kind'] | 'pin';
  mode: Mode;
  rulePattern: string;
  rulePart: string;
  reason: string | null;
  issues: ValidationIssue[] | null;
  policyRevision: string;
  rateLimit: RateLimitState | null;
  /** The budget as the call found it: its amount, what was spent before it, what was left. */
  budget: BudgetState | null;
  /** Microseconds spent deciding. */
  policyUs: number;
  forwarded: boolean;
  /** How a forwarded call ended; null while running and for calls not forwarded. */
  outcome: CallCompletion['outcome'] | null;
  /** Milliseconds from forwarding to the upstream's answer; null until it answers. */
  upstreamMs: number | null;
  /** OpenTelemetry `error.type`: the JSON-RPC error code, or `tool_error` for an isError result. */
  errorType: string | null;
  errorMessage: string | null;
  /** Who decided a held call (dashboard, cli, api, a name, or the agent's user through elicitation). */
  approver: string | null;
  argsKeys: string[] | null;
  argsSha256: string | null;
  args: Record<string, unknown> | null;
  /** OpenTelemetry `enduser.id`: the verified agent that made the call (`anonymous` without one). */
  agent: string | null;
  /** Pin events: sha256 of the pinned definition before the event (null: none yet). */
  pinSha256: string | null;
  /** Pin events: sha256 of the definition the event is about (seen, accepted or rejected; null for a removal). */
  seenSha256: string | null;
}

/** A record before the store numbered it. */
export type NewAuditRecord = Omit<AuditRecord, 'id'>;

/** What a later event may change in a stored record. */
export type AuditPatch = Partial<Pick<AuditRecord, 'decision' | 'forwarded' | 'outcome' | 'upstreamMs' | 'errorType' | 'errorMessage' | 'approver'>>;

type Kind = 'int' | 'real' | 'text' | 'json' | 'bool';

/** Record field → column (and export key), in table order. The one place the names are joined. */
export const COLUMNS: ReadonlyArray<readonly [keyof AuditRecord, string, Kind]> = [
  ['id', 'id', 'int'],
  ['uid', 'uid', 'text'],
  ['time', 'time', 'int'],
  ['method', 'mcp.method.name', 'text'],
  ['server', 'server', 'text'],
  ['tool', 'gen_ai.tool.name', 'text'],
  ['session', 'mcp.session.id', 'text'],
  ['requestId', 'jsonrpc.request.id', 'text'],
  ['decision', 'decision', 'text'],
  ['policyDecision', 'policy_decision', 'text'],
  ['mode', 'mode', 'text'],
  ['rulePattern', 'rule_pattern', 'text'],
  ['rulePart', 'rule_part', 'text'],
  ['reason', 'reason', 'text'],
  ['issues', 'issues', 'json'],
  ['policyRevision', 'policy_revision', 'text'],
  ['rateLimit', 'rate_limit', 'json'],
  ['budget', 'budget', 'json'],
  ['policyUs', 'policy_us', 'int'],
  ['forwarded', 'forwarded', 'bool'],
  ['outcome', 'outcome', 'text'],
  ['upstreamMs', 'upstream_ms', 'real'],
  ['errorType', 'error.type', 'text'],
  ['errorMessage', 'error_message', 'text'],
  ['approver', 'approver', 'text'],
  ['argsKeys', 'args_keys', 'json'],
  ['argsSha256', 'args_sha256', 'text'],
  ['args', 'gen_ai.tool.call.arguments', 'json'],
  ['agent', 'enduser.id', 'text'],
  ['pinSha256', 'pin_sha256', 'text'],
  ['seenSha256', 'seen_sha256', 'text'],
];

export const COLUMN_OF = Object.fromEntries(COLUMNS.map(([field, column]) => [field, column])) as Record<keyof AuditRecord, string>;

/** The record as the JSON export writes it: column names as keys, JSON columns as values. */
export function exportRecord(record: AuditRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, column] of COLUMNS) out[column] = record[field];
  return out;
}

export function auditDecision(decision: Decision): AuditDecision {
  if (decision.kind === 'allow') return 'allowed';
  if (decision.mode === 'monitor') return 'monitor_would_refuse';
  switch (decision.kind) {
    case 'deny':
      return 'denied';
    case 'hide':
      return 'hidden';
    case 'invalid':
      return 'invalid_arguments';
    case 'rate_limited':
      return 'rate_limited';
    case 'over_budget':
      return 'over_budget';
    case 'hold':
      return 'approval_pending';
  }
}

export const PIN_METHOD = 'toolgate/pin';

/** Something that happened to a tool's pin, as the audit trail records it. */
export interface PinAuditEvent {
  time: number;
  server: string;
  tool: string;
  kind: 'changed' | 'added' | 'removed' | 'accepted' | 'rejected';
  /** Who decided (accepted, rejected): an operator's name, or `cli:<user>`; absent for what the gateway saw. */
  operator?: string;
  /** The pinned definition's hash before the event, if there was one. */
  pinSha256?: string;
  /** The hash of the definition the event is about. */
  seenSha256?: string;
  /** `monitor` when the gateway saw it under `pinning: warn` (the tool stays usable). */
  mode: Mode;
}

/** The audit event of a person's decision: `before` and `after` are the tool's pin record either side of it. */
export function pinDecisionEvent(decision: 'accepted' | 'rejected', before: PinRecord, after: PinRecord, operator: string, time: number): PinAuditEvent {
  const seenSha256 = decision === 'accepted' ? after.hash : after.rejectedHash;
  return {
    time,
    server: before.server,
    tool: before.tool,
    kind: decision,
    operator,
    mode: 'enforce',
    ...(before.hash === undefined ? {} : { pinSha256: before.hash }),
    ...(seenSha256 === undefined ? {} : { seenSha256 }),
  };
}

const PIN_WORDS: Record<PinAuditEvent['kind'], string> = {
  changed: 'definition changed since it was pinned',
  added: 'new tool appeared after its server was pinned',
  removed: 'no longer listed by its server',
  accepted: 'accepted',
  rejected: 'rejected',
};

/** The record of a pin event; the reason says who, what and the short hashes, for `toolgate audit`'s table. */
export function pinAuditRecord(event: PinAuditEvent, uid: string): NewAuditRecord {
  const short = (hash: string | undefined) => (hash === undefined ? 'none' : hash.slice(0, 12));
  const hashes = event.kind === 'removed' ? `pinned ${short(event.pinSha256)}` : `pinned ${short(event.pinSha256)}, ${event.kind === 'accepted' || event.kind === 'rejected' ? 'decided' : 'seen'} ${short(event.seenSha256)}`;
  const who = event.operator === undefined ? '' : ` by ${event.operator}`;
  return {
    uid,
    time: event.time,
    method: PIN_METHOD,
    server: event.server,
    tool: keptName(event.tool),
    session: null,
    requestId: uid, // no request: the record's own id keeps pin events apart where records are keyed by request
    decision: `pin_${event.kind}`,
    policyDecision: 'pin',
    mode: event.mode,
    rulePattern: 'pinning',
    rulePart: 'pinning',
    reason: keptText(`${PIN_WORDS[event.kind]}${who} (${hashes})`),
    issues: null,
    policyRevision: '',
    rateLimit: null,
    budget: null,
    policyUs: 0,
    forwarded: false,
    outcome: null,
    upstreamMs: null,
    errorType: null,
    errorMessage: null,
    approver: event.operator ?? null,
    argsKeys: null,
    argsSha256: null,
    args: null,
    agent: null,
    pinSha256: event.pinSha256 ?? null,
    seenSha256: event.seenSha256 ?? null,
  };
}

/** Validation issues kept per record; their paths and messages come from the client's arguments. */
const MAX_KEPT_ISSUES = 50;

/**
 * The record of a decision. Refusals get their `error.type` now: the agent's answer is already known.
 * What the client chose (tool name, request id, texts that quote them) is kept bounded: a record
 * stays small whatever the client sent (see text-bounds.ts).
 */
export function decisionRecord(event: DecisionEvent, uid: string, args: ArgumentsDigest): NewAuditRecord {
  const { decision, call } = event;
  const refusedHere = !event.forwarded;
  const heldNow = decision.kind === 'hold' && decision.mode === 'enforce';
  return {
    uid,
    time: event.time,
    method: 'tools/call',
    server: call.server,
    tool: keptName(call.tool),
    session: call.session ?? null,
    requestId: keptName(String(event.requestId)),
    decision: auditDecision(decision),
    policyDecision: decision.kind,
    mode: decision.mode,
    rulePattern: decision.rule.pattern,
    rulePart: decision.rule.part,
    reason: 'reason' in decision ? keptText(decision.reason) : null,
    issues: decision.kind === 'invalid' ? keptIssues(decision.issues) : null,
    policyRevision: event.policyRevision,
    rateLimit: ('rateLimit' in decision ? decision.rateLimit : undefined) ?? null,
    budget: ('budget' in decision ? decision.budget : undefined) ?? null,
    policyUs: Math.round(event.policyMicros),
    forwarded: event.forwarded,
    outcome: null,
    upstreamMs: null,
    // A hidden tool is answered like an unknown one (JSON-RPC invalid params); other refusals are
    // isError results. A held call's answer is not known yet: approvalPatch and completionPatch say it.
    errorType: refusedHere && !heldNow ? (event.answeredWith !== undefined ? String(event.answeredWith) : decision.kind === 'hide' ? String(INVALID_PARAMS) : 'tool_error') : null,
    errorMessage: null,
    approver: null,
    argsKeys: args.keys,
    argsSha256: args.sha256,
    args: args.value,
    agent: call.agent?.id ?? null,
    pinSha256: null,
    seenSha256: null,
  };
}

/**
 * What the decision on a held call changes in its record: approved, it is forwarded (the
 * upstream's answer completes the record); refused or expired, the agent gets an isError result;
 * abandoned, nobody gets an answer.
 */
export function approvalPatch(approval: Pick<Approval, 'status' | 'reason' | 'decidedBy'>): AuditPatch {
  if (approval.status === 'pending') return {};
  const patch: AuditPatch = { decision: approval.status, approver: approval.decidedBy };
  if (approval.status === 'approved') return { ...patch, forwarded: true };
  patch.errorMessage = approval.reason ? `${approval.decidedBy ?? ''}: ${approval.reason}` : null;
  if (approval.status !== 'abandoned') patch.errorType = 'tool_error';
  return patch;
}

/** What a forwarded call's end changes in its record. `decided` is the record's decision so far. */
export function completionPatch(completion: CallCompletion, decided: AuditDecision): AuditPatch {
  const patch: AuditPatch = { outcome: completion.outcome, upstreamMs: Math.round(completion.upstreamMs * 1000) / 1000 };
  switch (completion.outcome) {
    case 'result':
      break;
    case 'tool_error':
      patch.errorType = 'tool_error';
      break;
    case 'cancelled':
      patch.errorType = 'cancelled';
      break;
    case 'upstream_error':
      patch.errorType = completion.error ? String(completion.error.code) : 'upstream_error';
      patch.errorMessage = completion.error ? keptText(completion.error.message) : null;
      if (decided === 'allowed') patch.decision = 'upstream_error';
      break;
  }
  return patch;
}

function keptIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  return issues.slice(0, MAX_KEPT_ISSUES).map((issue) => ({ path: keptName(issue.path), message: keptText(issue.message, 1024) }));
}
