import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ToolgateError } from '../errors.js';
import type { ApprovalStore } from './approval-store.js';
import type { Approval, ApprovalDecision, ApprovalService, ApproveOptions } from './types.js';

/** What is held: the call and the rule, as the approver will see them. */
export type HoldRequest = Pick<Approval, 'server' | 'tool' | 'arguments' | 'session' | 'requestId' | 'rule' | 'category' | 'risk'> & {
  timeoutMs: number;
};

/** How a hold ended, as the waiting call sees it. */
export type HoldOutcome = { approved: true; approval: Approval } | { approved: false; approval: Approval };

interface Waiter {
  approval: Approval;
  resolve: (outcome: HoldOutcome) => void;
  timer: NodeJS.Timeout;
}

const MAX_GRANT_MINUTES = 24 * 60;
const THIS_PROCESS = `${hostname()}:${process.pid}`;
const LEFTOVER_REASON = 'the gateway restarted while the call was held; the agent connection that waited for it is gone';

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
 *
 * The store can fail (a locked or full file). A hold that cannot be stored is refused at once.
 * A person's decision that cannot be stored is an error for that person; the call stays held.
 * An ending the gateway reaches itself (expiry, the agent going away) ends the call even when the
 * store cannot take it; the write is retried every `retryEveryMs` until it is stored. Nothing
 * here throws into the event loop.
 */
export class ApprovalHub implements ApprovalService {
  readonly #store: ApprovalStore;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #retryEveryMs: number;
  readonly #waiters = new Map<string, Waiter>();
  readonly #listeners = new Set<(approval: Approval) => void>();
  /** `server\0tool\0session` -> approved until (ms). */
  readonly #grants = new Map<string, number>();
  /** Endings reached here that the store has not taken yet, by approval id. */
  readonly #unwritten = new Map<string, ApprovalDecision>();
  #leftoversClosed = false;
  #leftoverFailures = 0;
  #ticker?: NodeJS.Timeout;
  #ticking = false;

  constructor(options: { store: ApprovalStore; log: Logger; now?: () => number; retryEveryMs?: number }) {
    this.#store = options.store;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#retryEveryMs = options.retryEveryMs ?? 500;
    void this.#closeLeftovers();
  }

  /**
   * Stores a pending approval and returns it with a promise of its outcome. When the store cannot
   * take it, the approval comes back already refused (and not stored): a hold nobody can see
   * cannot be approved, so the call must not wait for it.
   */
  async hold(request: HoldRequest): Promise<{ approval: Approval; outcome: Promise<HoldOutcome> }> {
    const now = this.#now();
    const { timeoutMs, ...held } = request;
    const approval: Approval = { id: randomUUID(), ...held, createdAt: now, expiresAt: now + timeoutMs, status: 'pending', heldBy: THIS_PROCESS };
    try {
      await this.#store.insert(approval);
    } catch (error) {
      this.#log.error({ err: error, server: request.server, tool: request.tool }, 'cannot store a hold; the call is refused');
      const refused: Approval = {
        ...approval,
        status: 'refused',
        decidedAt: this.#now(),
        decidedBy: 'toolgate',
        reason: `${(error as Error).message}; nobody can approve a hold that is not stored, so the call is refused`,
      };
      return { approval: refused, outcome: Promise.resolve({ approved: false, approval: refused }) };
    }
    const outcome = new Promise<HoldOutcome>((resolve) => {
      const timer = setTimeout(() => void this.#end(approval.id, { status: 'expired', decidedBy: 'toolgate', reason: `nobody answered within ${Math.round(timeoutMs / 1000)}s` }), timeoutMs);
      timer.unref();
      this.#waiters.set(approval.id, { approval, resolve, timer });
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

  list(filter?: { status?: Approval['status']; limit?: number }): Promise<Approval[]> {
    return this.#store.list(filter);
  }

  get(id: string): Promise<Approval | undefined> {
    return this.#store.get(id);
  }

  async approve(id: string, options: ApproveOptions = {}): Promise<Approval> {
    const pending = await this.#pending(id);
    const decision: ApprovalDecision = { status: 'approved', decidedBy: options.approver ?? 'api' };
    if (options.scope === 'session') {
      const minutes = options.minutes ?? 30;
      if (!(minutes > 0 && minutes <= MAX_GRANT_MINUTES)) {
        throw new ToolgateError('invalid_request', `minutes must be between 1 and ${MAX_GRANT_MINUTES} for a session approval`);
      }
      if (pending.session === undefined) throw new ToolgateError('invalid_request', 'this call has no session to approve the tool for; approve it once');
      decision.grant = { scope: 'session', until: this.#now() + minutes * 60_000 };
    }
    return this.#decide(id, decision);
  }

  async refuse(id: string, reason: string, approver?: string): Promise<Approval> {
    if (!reason.trim()) throw new ToolgateError('invalid_request', 'a refusal needs a reason: the agent reads it');
    await this.#pending(id);
    return this.#decide(id, { status: 'refused', decidedBy: approver ?? 'api', reason });
  }

  /** The agent's call went away (cancelled, disconnected, session ended). No-op if already decided; never throws. */
  abandon(id: string, reason: string): void {
    if (this.#waiters.has(id)) void this.#end(id, { status: 'abandoned', decidedBy: 'toolgate', reason });
  }

  /** Records how the hold's notifications went (webhook delivered or not). Never rejects: a failure is logged. */
  async recordNotification(id: string, result: NonNullable<Approval['notified']>[number]): Promise<void> {
    try {
      const updated = await this.#store.addNotification(id, result);
      if (updated) this.#emit(updated);
    } catch (error) {
      this.#log.error({ err: error, approval: id, notified: result }, 'cannot record how an approval notification went');
    }
  }

  subscribe(listener: (approval: Approval) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get pendingCount(): number {
    return this.#waiters.size;
  }

  /** Abandons every call still held and makes one last attempt to store what is not stored yet. */
  async close(): Promise<void> {
    await Promise.all([...this.#waiters.keys()].map((id) => this.#end(id, { status: 'abandoned', decidedBy: 'toolgate', reason: 'the gateway is shutting down' })));
    this.#stopTicking();
    await this.#retryUnwritten();
    if (this.#unwritten.size > 0) {
      this.#log.error({ approvals: [...this.#unwritten.keys()] }, 'approvals ended at shutdown could not be stored; the next start closes them as abandoned');
    }
    await this.#store.close();
  }

  /** Throws not_found / conflict unless `id` is a pending hold of this process. */
  async #pending(id: string): Promise<Approval> {
    const approval = await this.#store.get(id);
    if (!approval) throw new ToolgateError('not_found', `No approval ${id}; list them with toolgate approvals list`);
    if (approval.status !== 'pending') throw alreadyDecided(approval);
    if (!this.#waiters.has(id)) {
      throw new ToolgateError('conflict', `Approval ${id} is held by another gateway process (${approval.heldBy}); decide it there`);
    }
    return approval;
  }

  /** A person's decision: stored first, so the call goes ahead only on a decision that is recorded. */
  async #decide(id: string, decision: ApprovalDecision): Promise<Approval> {
    const result = await this.#store.decide(id, decision);
    if (!result.approval) throw new ToolgateError('not_found', `No approval ${id}; list them with toolgate approvals list`);
    if (!result.decided) {
      this.#settle(result.approval);
      throw alreadyDecided(result.approval);
    }
    this.#settle(result.approval, true);
    return result.approval;
  }

  /**
   * An ending the gateway reaches itself. The first decision stored wins, so a person's approval
   * stored a moment earlier still goes ahead. When the store fails, the call ends anyway (fail
   * closed) and the write waits in `#unwritten`.
   */
  async #end(id: string, decision: ApprovalDecision): Promise<void> {
    const waiter = this.#waiters.get(id);
    if (!waiter) return;
    try {
      const result = await this.#store.decide(id, decision);
      this.#settle(result.approval ?? { ...waiter.approval, ...decision, decidedAt: this.#now() }, result.decided);
    } catch (error) {
      this.#log.error(
        { err: error, approval: id, status: decision.status },
        `cannot record that approval ${id} was ${decision.status}; the call ends ${decision.status} now and the record is retried every ${this.#retryEveryMs} ms`,
      );
      this.#unwritten.set(id, decision);
      this.#settle({ ...waiter.approval, ...decision, decidedAt: this.#now() });
      this.#startTicking();
    }
  }

  /** Hands a decided approval to the call waiting for it, if this process holds it; tells listeners. */
  #settle(approval: Approval, decidedHere = false): void {
    const waiter = this.#waiters.get(approval.id);
    if (waiter && approval.status !== 'pending') {
      this.#waiters.delete(approval.id);
      clearTimeout(waiter.timer);
      if (approval.status === 'approved' && approval.grant) {
        this.#grants.set(`${approval.server}\0${approval.tool}\0${approval.session}`, approval.grant.until);
      }
      waiter.resolve({ approved: approval.status === 'approved', approval } as HoldOutcome);
    }
    if (waiter || decidedHere) this.#emit(approval);
  }

  /** Closes the holds that processes now gone left pending; retried while the store fails. */
  async #closeLeftovers(): Promise<void> {
    try {
      const closed = await this.#store.abandonPending(LEFTOVER_REASON, (approval) => !this.#waiters.has(approval.id) && heldByGoneProcess(approval));
      this.#leftoversClosed = true;
      if (closed.length) this.#log.warn({ count: closed.length }, 'closed approvals left pending by a previous run as abandoned');
    } catch (error) {
      if (this.#leftoverFailures++ === 0) this.#log.error({ err: error }, `cannot close the approvals a previous run left pending; retried every ${this.#retryEveryMs} ms`);
      this.#startTicking();
    }
  }

  async #retryUnwritten(): Promise<void> {
    for (const [id, decision] of this.#unwritten) {
      let result;
      try {
        result = await this.#store.decide(id, decision);
      } catch (error) {
        this.#log.debug({ err: error, approval: id }, 'the approvals store still fails; retried later');
        return;
      }
      this.#unwritten.delete(id);
      if (result.decided) {
        this.#log.info({ approval: id, status: decision.status }, `approval ${id} is now recorded as ${decision.status}`);
        this.#emit(result.approval);
      } else if (result.approval) {
        const { status, decidedBy } = result.approval;
        this.#log.warn({ approval: id, status, decidedBy }, `approval ${id} was ${status} by ${decidedBy} in the store after toolgate had ended the call as ${decision.status}; the call was not forwarded`);
      }
    }
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      if (!this.#leftoversClosed) await this.#closeLeftovers();
      await this.#retryUnwritten();
    } finally {
      this.#ticking = false;
    }
    if (this.#leftoversClosed && this.#unwritten.size === 0) this.#stopTicking();
  }

  #startTicking(): void {
    if (this.#ticker) return;
    this.#ticker = setInterval(() => void this.#tick(), this.#retryEveryMs);
    this.#ticker.unref();
  }

  #stopTicking(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
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

function alreadyDecided(approval: Approval): ToolgateError {
  return new ToolgateError('conflict', `Approval ${approval.id} is already ${approval.status}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}`);
}
