import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ApprovalStore, DecisionFeed } from './approval-store.js';
import { approvalOf, heldByGoneProcess, heldInThisProcess, pendingApproval, refusalOf, storeDecision, THIS_PROCESS } from './deciding.js';
import type { Approval, ApprovalDecision, ApprovalService, ApproveOptions } from './types.js';

/** What is held: the call and the rule, as the approver will see them. */
export type HoldRequest = Pick<Approval, 'server' | 'tool' | 'arguments' | 'session' | 'agent' | 'requestId' | 'rule' | 'category' | 'risk'> & {
  timeoutMs: number;
};

/** How a hold ended, as the waiting call sees it. */
export type HoldOutcome = { approved: true; approval: Approval } | { approved: false; approval: Approval };

interface Waiter {
  approval: Approval;
  resolve: (outcome: HoldOutcome) => void;
  timer: NodeJS.Timeout;
}

/** With a live decision feed, the store is still asked once per this many ticks. */
const FALLBACK_POLLS = 10;

const LEFTOVER_REASON = 'the gateway restarted while the call was held; the agent connection that waited for it is gone';

/**
 * Pending approvals: stored first (so a restart cannot lose one), then awaited. Each hold ends
 * exactly once — approved, refused, expired, or abandoned — and the waiting call learns how.
 *
 * Any process sharing the store may decide a hold (see `deciding.ts`): this one's dashboard and
 * admin API, another gateway's, the CLI. A store that pushes decisions (Redis pub/sub) tells this
 * process at once; the store is then asked only every `FALLBACK_POLLS` ticks, and at once when
 * the feed restarts, in case a message was lost. With a store that cannot push, this process asks
 * it every `pollEveryMs` which of its holds were decided elsewhere — a few indexed reads, off the
 * call path.
 *
 * The store can fail (a locked or full file). A hold that cannot be stored is refused at once.
 * A person's decision that cannot be stored is an error for that person; the call stays held.
 * An ending the gateway reaches itself (expiry, the agent going away) ends the call even when the
 * store cannot take it; the write is retried every `pollEveryMs` until it is stored. Nothing
 * here throws into the event loop.
 */
export class ApprovalHub implements ApprovalService {
  readonly #store: ApprovalStore;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #pollEveryMs: number;
  readonly #waiters = new Map<string, Waiter>();
  readonly #listeners = new Set<(approval: Approval) => void>();
  /** `server\0tool\0session` -> approved until (ms). */
  readonly #grants = new Map<string, number>();
  /** Decisions being stored by this process right now: the poll leaves them to `#decide`. */
  readonly #deciding = new Set<string>();
  /** Endings reached here that the store has not taken yet, by approval id. */
  readonly #unwritten = new Map<string, ApprovalDecision>();
  #leftoversClosed = false;
  #leftoverFailures = 0;
  #pollFailures = 0;
  #ticker?: NodeJS.Timeout;
  #ticking = false;
  readonly #feed?: DecisionFeed;
  #ticksSincePoll = Infinity;
  #closed = false;

  constructor(options: { store: ApprovalStore; log: Logger; now?: () => number; pollEveryMs?: number }) {
    this.#store = options.store;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#pollEveryMs = options.pollEveryMs ?? 500;
    this.#feed = this.#store.watchDecisions?.(
      (id) => void this.#learnDecision(id),
      () => {
        this.#ticksSincePoll = Infinity;
        if (this.#waiters.size > 0) void this.#tick();
      },
    );
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
      heldInThisProcess.add(approval.id);
    });
    this.#startTicking();
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

  /** Approves a hold of any process sharing the store; the holder forwards the call. */
  async approve(id: string, options: ApproveOptions = {}): Promise<Approval> {
    const pending = await pendingApproval(this.#store, id);
    return this.#decide(id, approvalOf(pending, options, this.#now()));
  }

  /** Refuses a hold of any process sharing the store; the holder answers the agent with `reason`. */
  async refuse(id: string, reason: string, approver?: string): Promise<Approval> {
    const decision = refusalOf(reason, approver);
    await pendingApproval(this.#store, id);
    return this.#decide(id, decision);
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
    this.#closed = true;
    await Promise.all([...this.#waiters.keys()].map((id) => this.#end(id, { status: 'abandoned', decidedBy: 'toolgate', reason: 'the gateway is shutting down' })));
    this.#stopTicking();
    await this.#feed?.stop();
    await this.#retryUnwritten();
    if (this.#unwritten.size > 0) {
      this.#log.error({ approvals: [...this.#unwritten.keys()] }, 'approvals ended at shutdown could not be stored; the next start closes them as abandoned');
    }
    await this.#store.close();
  }

  /**
   * A person's decision: stored first, so a call goes ahead only on a decision that is recorded.
   * A hold of this process is released at once; another process's at its next look at the store.
   */
  async #decide(id: string, decision: ApprovalDecision): Promise<Approval> {
    let approval: Approval;
    this.#deciding.add(id);
    try {
      approval = await storeDecision(this.#store, id, decision);
    } catch (error) {
      // Lost the race to another decision: a waiter here takes that one.
      const stored = this.#waiters.has(id) ? await this.#store.get(id).catch(() => undefined) : undefined;
      if (stored && stored.status !== 'pending') this.#settle(stored);
      throw error;
    } finally {
      this.#deciding.delete(id);
    }
    this.#settle(approval, true);
    return approval;
  }

  /**
   * An ending the gateway reaches itself. The first decision stored wins, so a person's approval
   * stored a moment earlier still goes ahead. When the store fails, the call ends anyway (fail
   * closed) and the write waits in `#unwritten`.
   */
  async #end(id: string, decision: ApprovalDecision): Promise<void> {
    const waiter = this.#waiters.get(id);
    if (!waiter) return;
    this.#deciding.add(id);
    try {
      const result = await this.#store.decide(id, decision);
      this.#deciding.delete(id);
      this.#settle(result.approval ?? { ...waiter.approval, ...decision, decidedAt: this.#now() }, result.decided);
    } catch (error) {
      this.#deciding.delete(id);
      this.#log.error(
        { err: error, approval: id, status: decision.status },
        `cannot record that approval ${id} was ${decision.status}; the call ends ${decision.status} now and the record is retried every ${this.#pollEveryMs} ms`,
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
      heldInThisProcess.delete(approval.id);
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
      const closed = await this.#store.abandonPending(LEFTOVER_REASON, heldByGoneProcess);
      this.#leftoversClosed = true;
      if (closed.length) this.#log.warn({ count: closed.length }, 'closed approvals left pending by a previous run as abandoned');
    } catch (error) {
      if (this.#leftoverFailures++ === 0) this.#log.error({ err: error }, `cannot close the approvals a previous run left pending; retried every ${this.#pollEveryMs} ms`);
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

  /** A decision pushed by the store: handed to the call at once if this process holds it. */
  async #learnDecision(id: string): Promise<void> {
    if (!this.#waiters.has(id) || this.#deciding.has(id)) return;
    let approval: Approval | undefined;
    try {
      approval = await this.#store.get(id);
    } catch (error) {
      this.#log.error({ err: error, approval: id }, `cannot read the decision on held call ${id}; the store is asked again every ${this.#pollEveryMs} ms`);
      this.#ticksSincePoll = Infinity;
      return;
    }
    if (approval && approval.status !== 'pending' && !this.#deciding.has(id)) this.#settleDecidedElsewhere(approval);
  }

  /** Hands this process's holds that were decided elsewhere to their calls. */
  async #learnDecisions(): Promise<void> {
    if (this.#waiters.size === 0) return;
    if (this.#feed?.live() && ++this.#ticksSincePoll < FALLBACK_POLLS) return;
    this.#ticksSincePoll = 0;
    let decided: Approval[];
    try {
      decided = await this.#store.decidedAmong([...this.#waiters.keys()]);
      this.#pollFailures = 0;
    } catch (error) {
      if (this.#pollFailures++ === 0) this.#log.error({ err: error }, `cannot read decisions on held calls from the store; retried every ${this.#pollEveryMs} ms`);
      return;
    }
    for (const approval of decided) {
      if (!this.#deciding.has(approval.id)) this.#settleDecidedElsewhere(approval);
    }
  }

  #settleDecidedElsewhere(approval: Approval): void {
    if (!this.#waiters.has(approval.id)) return;
    this.#log.info({ approval: approval.id, status: approval.status, decidedBy: approval.decidedBy }, `held call ${approval.status} by ${approval.decidedBy} (decided in another process)`);
    this.#settle(approval);
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#closed) return;
    this.#ticking = true;
    try {
      if (!this.#leftoversClosed) await this.#closeLeftovers();
      await this.#retryUnwritten();
      await this.#learnDecisions();
    } finally {
      this.#ticking = false;
    }
    if (this.#leftoversClosed && this.#unwritten.size === 0 && this.#waiters.size === 0) this.#stopTicking();
    else this.#startTicking();
  }

  /** Runs the tick; it keeps the process alive only while a call is held here (a call waits for it). */
  #startTicking(): void {
    if (this.#closed) return;
    this.#ticker ??= setInterval(() => void this.#tick(), this.#pollEveryMs);
    if (this.#waiters.size > 0) this.#ticker.ref();
    else this.#ticker.unref();
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
