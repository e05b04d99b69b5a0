import { ToolgateError } from '../errors.js';
import type { ApprovalStore, DecideResult } from './approval-store.js';
import type { Approval, ApprovalDecision, ApprovalStatus } from './types.js';

/**
 * Approvals in this process's memory (`state.backend: memory`): the same behaviour as the SQLite
 * store (one shared test suite runs against both), but nothing survives a restart and only this
 * process — its dashboard and admin API — can decide its holds. Copies go in and out, so a
 * caller can never change a stored approval behind the store's back.
 */
export class MemoryApprovalStore implements ApprovalStore {
  readonly #approvals = new Map<string, Approval>();
  readonly #now: () => number;

  constructor(options: { now: () => number }) {
    this.#now = options.now;
  }

  async insert(approval: Approval): Promise<void> {
    if (this.#approvals.has(approval.id)) throw new ToolgateError('store_error', `approval ${approval.id} is already stored`);
    this.#approvals.set(approval.id, structuredClone(approval));
  }

  async get(id: string): Promise<Approval | undefined> {
    const approval = this.#approvals.get(id);
    return approval && structuredClone(approval);
  }

  async list(filter: { status?: ApprovalStatus; limit?: number } = {}): Promise<Approval[]> {
    const limit = Math.min(Math.max(filter.limit ?? 200, 1), 10_000);
    return [...this.#approvals.values()]
      .filter((approval) => filter.status === undefined || approval.status === filter.status)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit)
      .map((approval) => structuredClone(approval));
  }

  async decidedAmong(ids: readonly string[]): Promise<Approval[]> {
    return ids.flatMap((id) => {
      const approval = this.#approvals.get(id);
      return approval && approval.status !== 'pending' ? [structuredClone(approval)] : [];
    });
  }

  async decide(id: string, decision: ApprovalDecision): Promise<DecideResult> {
    const current = this.#approvals.get(id);
    if (current === undefined || current.status !== 'pending') return { decided: false, approval: current && structuredClone(current) };
    const approval: Approval = { ...current, ...structuredClone(decision), decidedAt: this.#now() };
    this.#approvals.set(id, approval);
    return { decided: true, approval: structuredClone(approval) };
  }

  async addNotification(id: string, result: NonNullable<Approval['notified']>[number]): Promise<Approval | undefined> {
    const current = this.#approvals.get(id);
    if (current === undefined) return undefined;
    const approval: Approval = { ...current, notified: [...(current.notified ?? []), { ...result }] };
    this.#approvals.set(id, approval);
    return structuredClone(approval);
  }

  async abandonPending(reason: string, isOrphan: (approval: Approval) => boolean): Promise<Approval[]> {
    const decidedAt = this.#now();
    const closed: Approval[] = [];
    for (const approval of this.#approvals.values()) {
      if (approval.status !== 'pending' || !isOrphan(structuredClone(approval))) continue;
      const abandoned: Approval = { ...approval, status: 'abandoned', decidedBy: 'toolgate', decidedAt, reason };
      this.#approvals.set(approval.id, abandoned);
      closed.push(structuredClone(abandoned));
    }
    return closed;
  }

  async close(): Promise<void> {}
}
