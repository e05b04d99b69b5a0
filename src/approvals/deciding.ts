/**
 * Deciding a held call is a store operation: any process that shares the store (the gateway
 * holding the call, `toolgate serve`'s dashboard and admin API, the CLI) checks the approval and
 * writes the decision with one compare-and-set, and the first decision stored wins. The process
 * holding the call learns of it from the store (see `ApprovalHub`).
 */
import { hostname } from 'node:os';
import { ToolgateError } from '../errors.js';
import type { ApprovalStore } from './approval-store.js';
import type { Approval, ApprovalDecision, ApproveOptions } from './types.js';

const MAX_GRANT_MINUTES = 24 * 60;

/** This process, as `heldBy` names it. */
export const THIS_PROCESS = `${hostname()}:${process.pid}`;

/** Ids of the calls the hubs of this process hold right now (tests run several gateways in one process). */
export const heldInThisProcess = new Set<string>();

/** A pending approval whose holder was a process on this machine that no longer runs. */
export function heldByGoneProcess(approval: Approval): boolean {
  const cut = approval.heldBy.lastIndexOf(':');
  const [host, pid] = [approval.heldBy.slice(0, cut), Number(approval.heldBy.slice(cut + 1))];
  if (host !== hostname()) return false;
  if (pid === process.pid) return !heldInThisProcess.has(approval.id); // else a previous process with our pid: it is gone
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The pending approval `id`, ready to be decided. Rejects with `not_found`, or `conflict` when it
 * is decided already or the process holding it is gone (it is then closed as abandoned: nobody
 * waits for an answer any more).
 */
export async function pendingApproval(store: ApprovalStore, id: string): Promise<Approval> {
  const approval = await store.get(id);
  if (!approval) throw notFound(id);
  if (approval.status !== 'pending') throw alreadyDecided(approval);
  if (heldByGoneProcess(approval)) {
    const reason = `the gateway process holding the call (${approval.heldBy}) is gone; nobody waits for an answer`;
    const closed = await store.decide(id, { status: 'abandoned', decidedBy: 'toolgate', reason });
    if (!closed.decided && closed.approval) throw alreadyDecided(closed.approval);
    throw new ToolgateError('conflict', `Approval ${id} cannot be decided: ${reason}, so it was closed as abandoned`);
  }
  return approval;
}

/** The decision an approver's options make of a pending approval, stamped with `nowMs`. */
export function approvalOf(pending: Approval, options: ApproveOptions, nowMs: number): ApprovalDecision {
  const decision: ApprovalDecision = { status: 'approved', decidedBy: options.approver ?? 'api' };
  if (options.scope !== 'session') return decision;
  const minutes = options.minutes ?? 30;
  if (!(minutes > 0 && minutes <= MAX_GRANT_MINUTES)) {
    throw new ToolgateError('invalid_request', `minutes must be between 1 and ${MAX_GRANT_MINUTES} for a session approval`);
  }
  if (pending.session === undefined) throw new ToolgateError('invalid_request', 'this call has no session to approve the tool for; approve it once');
  return { ...decision, grant: { scope: 'session', until: nowMs + minutes * 60_000 } };
}

export function refusalOf(reason: string, approver: string | undefined): ApprovalDecision {
  if (!reason.trim()) throw new ToolgateError('invalid_request', 'a refusal needs a reason: the agent reads it');
  return { status: 'refused', decidedBy: approver ?? 'api', reason };
}

/** Stores `decision` if the approval is still pending; otherwise rejects naming who decided first. */
export async function storeDecision(store: ApprovalStore, id: string, decision: ApprovalDecision): Promise<Approval> {
  const result = await store.decide(id, decision);
  if (!result.approval) throw notFound(id);
  if (!result.decided) throw alreadyDecided(result.approval);
  return result.approval;
}

export function alreadyDecided(approval: Approval): ToolgateError {
  return new ToolgateError('conflict', `Approval ${approval.id} is already ${approval.status}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}`);
}

function notFound(id: string): ToolgateError {
  return new ToolgateError('not_found', `No approval ${id}; list them with toolgate approvals list`);
}
