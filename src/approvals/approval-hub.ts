import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ToolgateError } from '../errors.js';
import type { ApprovalStore } from './approval-store.js';
import type { Approval, ApprovalService, ApproveOptions } from './types.js';

/** What is held: the call and the rule, as the approver will see them. */
export type HoldRequest = Pick<Approval, 'server' | 'tool' | 'arguments' | 'session' | 'requestId' | 'rule' | 'category' | 'risk'> & {
  timeoutMs: number;
};

/** How a hold ended, as the waiting call sees it. */
export type HoldOutcome = { approved: true; approval: Approval } | { approved: false; approval: Approval };

const MAX_GRANT_MINUTES = 24 * 60;
const THIS_PROCESS = `${hostname()}:${process.pid}`;

/** A pending approval whose holder was a process on this machine that no longer runs. */
function heldByGoneProcess(approval: Approval): boolean {
  const [host, pid] = [approval.heldBy.slice(0, approval.heldBy.lastIndexOf(':')), Number(approval.heldBy.slice(approval.heldBy.lastIndexOf(':') + 1))];
  if (host !== hostname()) return false;
  if (pid === process.pid) return true; // a previous process with our pid: it is gone
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Pending approvals: stored first (so a restart cannot lose one), then awaited. Each hold ends
 * exactly once — approved, refused, expired, or abandoned — and the waiting call learns how.
 */
export class ApprovalHub implements ApprovalService {
  readonly #store: ApprovalStore;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #waiters = new Map<string, { resolve: (outcome: HoldOutcome) => void; timer: NodeJS.Timeout }>();
  readonly #listeners = new Set<(approval: Approval) => void>();
  /** `server\0tool\0session` -> approved until (ms). */
  readonly #grants = new Map<string, number>();

  constructor(options: { store: ApprovalStore; log: Logger; now?: () => number }) {
    this.#store = options.store;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    const leftovers = this.#store.abandonPending('the gateway restarted while the call was held; the agent connection that waited for it is gone', this.#now(), heldByGoneProcess);
    if (leftovers.length) this.#log.warn({ count: leftovers.length }, 'closed approvals left pending by a previous run as abandoned');
  }

  /** Stores a pending approval and returns it with a promise of its outcome. */
  hold(request: HoldRequest): { approval: Approval; outcome: Promise<HoldOutcome> } {
    const now = this.#now();
    const { timeoutMs, ...held } = request;
    const approval: Approval = { id: randomUUID(), ...held, createdAt: now, expiresAt: now + timeoutMs, status: 'pending', heldBy: THIS_PROCESS };
    this.#store.insert(approval);
    const outcome = new Promise<HoldOutcome>((resolve) => {
      const timer = setTimeout(() => this.#close(approval.id, 'expired', `nobody answered within ${Math.round(timeoutMs / 1000)}s`, 'toolgate'), timeoutMs);
      timer.unref();
      this.#waiters.set(approval.id, { resolve, timer });
    });
    this.#emit(approval);
    return { approval, outcome };
  }

  /** True when a person approved this tool for this session and the grant has not run out. */
  isGranted(server: string, tool: string, session: string | undefined): boolean {
    if (session === undefined) return false;
    const key = `${server}\0${tool}\0${session}`;
    const until = this.#grants.get(key);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#grants.delete(key);
    return false;
  }

  list(filter?: { status?: Approval['status']; limit?: number }): Approval[] {
    return this.#store.list(filter);
  }

  get(id: string): Approval | undefined {
    return this.#store.get(id);
  }

  approve(id: string, options: ApproveOptions = {}): Approval {
    const pending = this.#pending(id);
    const approval: Approval = { ...pending, status: 'approved', decidedAt: this.#now(), decidedBy: options.approver ?? 'api' };
    if (options.scope === 'session') {
      const minutes = options.minutes ?? 30;
      if (!(minutes > 0 && minutes <= MAX_GRANT_MINUTES)) {
        throw new ToolgateError('invalid_request', `minutes must be between 1 and ${MAX_GRANT_MINUTES} for a session approval`);
      }
      if (pending.session === undefined) throw new ToolgateError('invalid_request', 'this call has no session to approve the tool for; approve it once');
      approval.grant = { scope: 'session', until: approval.decidedAt! + minutes * 60_000 };
      this.#grants.set(`${pending.server}\0${pending.tool}\0${pending.session}`, approval.grant.until);
    }
    return this.#finish(approval, true);
  }

  refuse(id: string, reason: string, approver?: string): Approval {
    if (!reason.trim()) throw new ToolgateError('invalid_request', 'a refusal needs a reason: the agent reads it');
    return this.#close(id, 'refused', reason, approver ?? 'api');
  }

  /** The agent's call went away (cancelled, disconnected, session ended). No-op if already decided. */
  abandon(id: string, reason: string): void {
    if (this.#waiters.has(id)) this.#close(id, 'abandoned', reason, 'toolgate');
  }

  /** Records how the hold's notifications went (webhook delivered or not). */
  recordNotification(id: string, result: NonNullable<Approval['notified']>[number]): void {
    const approval = this.#store.get(id);
    if (!approval) return;
    const updated = { ...approval, notified: [...(approval.notified ?? []), result] };
    this.#store.update(updated);
    this.#emit(updated);
  }

  subscribe(listener: (approval: Approval) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get pendingCount(): number {
    return this.#waiters.size;
  }

  close(): void {
    for (const id of [...this.#waiters.keys()]) this.abandon(id, 'the gateway is shutting down');
    this.#store.close();
  }

  #close(id: string, status: 'refused' | 'expired' | 'abandoned', reason: string, decidedBy: string): Approval {
    const pending = this.#pending(id);
    return this.#finish({ ...pending, status, decidedAt: this.#now(), decidedBy, reason }, false);
  }

  #pending(id: string): Approval {
    const approval = this.#store.get(id);
    if (!approval) throw new ToolgateError('not_found', `No approval ${id}; list them with toolgate approvals list`);
    if (approval.status !== 'pending') {
      throw new ToolgateError('conflict', `Approval ${id} is already ${approval.status}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}`);
    }
    if (!this.#waiters.has(id)) {
      throw new ToolgateError('conflict', `Approval ${id} is held by another gateway process (${approval.heldBy}); decide it there`);
    }
    return approval;
  }

  #finish(approval: Approval, approved: boolean): Approval {
    this.#store.update(approval);
    const waiter = this.#waiters.get(approval.id)!;
    this.#waiters.delete(approval.id);
    clearTimeout(waiter.timer);
    waiter.resolve({ approved, approval } as HoldOutcome);
    this.#emit(approval);
    return approval;
  }

  #emit(approval: Approval): void {
    for (const listener of this.#listeners) {
      try {
        listener(approval);
      } catch (error) {
        this.#log.error({ err: error }, 'an approval listener failed');
      }
    }
  }
}
