/**
 * The live audit feed: one entry per `tools/call`, shaped like an audit record (the same field
 * names as `GET /admin/api/audit`), sent when the call is decided and again each time it changes
 * (the upstream answered, a person approved or refused it). Built from the gateway's own events,
 * so the feed works even with the audit trail off, and never waits for a store batch.
 *
 * Entries and stored records share a `key` (server, session, request id, decision time), so the
 * dashboard updates a row it loaded from the store when the live change arrives.
 */
import type { Approval } from '../approvals/types.js';
import { completionPatch, decisionRecord, type AuditRecord, type NewAuditRecord } from '../audit/record.js';
import type { CallCompletion, DecisionEvent } from '../gateway/context.js';
import type { ToolCall } from '../policy/types.js';
import { keptName } from '../text-bounds.js';

/** An audit record without the arguments (the feed shows what happened, not what was sent). */
export type FeedEntry = Omit<NewAuditRecord, 'uid' | 'args' | 'argsKeys' | 'argsSha256'> & { key: string };

const NO_ARGUMENTS = { keys: null, sha256: null, value: null };
/** Held calls waiting for a decision, at most; older ones are forgotten (their row stays as it was). */
const MAX_HELD = 10_000;

export function feedKey(record: Pick<AuditRecord, 'server' | 'session' | 'requestId' | 'time'>): string {
  return JSON.stringify([record.server, record.session ?? null, String(record.requestId), record.time]);
}

export class LiveFeed {
  readonly #emit: (entry: FeedEntry) => void;
  /** Forwarded or held calls still running: the gateway hands the same call object to every event of a call. */
  readonly #running = new WeakMap<ToolCall, FeedEntry>();
  /** Held calls by `server, session, request id`: approvals name the call that way. */
  readonly #held = new Map<string, FeedEntry>();

  constructor(emit: (entry: FeedEntry) => void) {
    this.#emit = emit;
  }

  onDecision(event: DecisionEvent): void {
    const { uid: _uid, args: _args, argsKeys: _keys, argsSha256: _sha, ...record } = decisionRecord(event, '', NO_ARGUMENTS);
    const entry: FeedEntry = { ...record, key: feedKey(record) };
    if (event.forwarded || entry.decision === 'approval_pending') this.#running.set(event.call, entry);
    if (entry.decision === 'approval_pending') {
      if (this.#held.size >= MAX_HELD) this.#held.delete(this.#held.keys().next().value!);
      this.#held.set(heldKey(entry.server, entry.session ?? undefined, entry.requestId), entry);
    }
    this.#emit({ ...entry });
  }

  onCompletion(completion: CallCompletion): void {
    const entry = this.#running.get(completion.call);
    if (!entry) return;
    this.#running.delete(completion.call);
    if (entry.decision === 'approval_pending') this.#held.delete(heldKey(entry.server, entry.session ?? undefined, entry.requestId));
    Object.assign(entry, completionPatch(completion, entry.decision));
    this.#emit({ ...entry });
  }

  onApproval(approval: Approval): void {
    if (approval.status === 'pending') return;
    const key = heldKey(approval.server, approval.session, keptName(String(approval.requestId)));
    const entry = this.#held.get(key);
    if (!entry) return;
    this.#held.delete(key);
    entry.decision = approval.status;
    entry.approver = approval.decidedBy ?? null;
    if (approval.status !== 'approved') entry.errorMessage = approval.reason ? `${approval.decidedBy ?? ''}: ${approval.reason}` : null;
    this.#emit({ ...entry });
  }
}

const heldKey = (server: string, session: string | undefined, requestId: string) => JSON.stringify([server, session ?? null, requestId]);
