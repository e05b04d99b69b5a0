/**
 * Approvals in Redis, shared by a fleet of gateways: any instance (its dashboard, admin API, or
 * the CLI) can list and decide a hold, and the instance holding the call hears of the decision at
 * once on a pub/sub channel (`watchDecisions`) instead of polling.
 *
 * One hash per approval: `body` (the approval as held, never rewritten, so the held arguments are
 * forwarded byte for byte as they were stored), `status`, `decision` and `notified`. Deciding is
 * one Lua script — compare `status` with `pending`, write, publish — so the first decision wins
 * wherever it is made. Scripts never parse the JSON they store.
 *
 * A holding instance (`holder`) keeps a heartbeat key alive; every instance closes as `abandoned`
 * the pending holds of instances whose heartbeat has lapsed (killed, partitioned), with the reason.
 * Decided approvals expire after `retentionMs`.
 */
import type { ApprovalStore, DecideResult, DecisionFeed } from '../../approvals/approval-store.js';
import type { Approval, ApprovalDecision, ApprovalStatus } from '../../approvals/types.js';
import { ToolgateError } from '../../errors.js';
import { luaScript, type RedisConnection } from '../redis-connection.js';

const MAX_LIST = 10_000;
const DAY = 86_400_000;

export interface RedisApprovalStoreOptions {
  now: () => number;
  /** This process as `heldBy` names it, when it holds calls: it then beats a heartbeat and sweeps lapsed holders. */
  holder?: string;
  /** How long decided approvals are kept (default 7 days). */
  retentionMs?: number;
  /** A holder whose heartbeat is older than this is gone (default 15 s); beats and sweeps run at a third of it. */
  heartbeatTtlMs?: number;
}

// KEYS: approval hash, all-zset, pending-zset. ARGV: id, createdAt, body, ttlMs.
const INSERT = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'status', 'pending', 'body', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1`);

// KEYS: approval hash, pending-zset, status-zset, channel. ARGV: id, status, decision, retentionMs.
// Returns {decided, status, body, decision, notified}.
const DECIDE = luaScript(`
local current = redis.call('HMGET', KEYS[1], 'status', 'body', 'decision', 'notified')
if not current[2] then return {0} end
if current[1] ~= 'pending' then return {0, current[1], current[2], current[3], current[4]} end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'decision', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if score then redis.call('ZADD', KEYS[3], score, ARGV[1]) end
redis.call('PUBLISH', KEYS[4], ARGV[1])
return {1, ARGV[2], current[2], ARGV[3], current[4]}`);

// KEYS: approval hash. ARGV: one notification as JSON. Appends to the JSON array text as is.
const NOTIFY = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local list = redis.call('HGET', KEYS[1], 'notified')
if list then list = string.sub(list, 1, -2) .. ',' .. ARGV[1] .. ']' else list = '[' .. ARGV[1] .. ']' end
redis.call('HSET', KEYS[1], 'notified', list)
local current = redis.call('HMGET', KEYS[1], 'status', 'body', 'decision', 'notified')
return {1, current[1], current[2], current[3], current[4]}`);

type Fields = [status: string | null, body: string | null, decision: string | null, notified: string | null];

export class RedisApprovalStore implements ApprovalStore {
  readonly #redis: RedisConnection;
  readonly #now: () => number;
  readonly #retentionMs: number;
  readonly #holder?: string;
  readonly #heartbeatTtlMs: number;
  #timer?: NodeJS.Timeout;
  #closed = false;

  constructor(redis: RedisConnection, options: RedisApprovalStoreOptions) {
    this.#redis = redis;
    this.#now = options.now;
    this.#retentionMs = options.retentionMs ?? 7 * DAY;
    this.#holder = options.holder;
    this.#heartbeatTtlMs = options.heartbeatTtlMs ?? 15_000;
    if (this.#holder !== undefined) {
      void this.#beat();
      this.#timer = setInterval(() => void this.#beat().then(() => this.#sweepLapsedHolders()), Math.max(100, Math.floor(this.#heartbeatTtlMs / 3)));
      this.#timer.unref();
    }
  }

  async insert(approval: Approval): Promise<void> {
    const ttl = Math.max(0, approval.expiresAt - approval.createdAt) + this.#retentionMs;
    const inserted = await this.#redis.evalScript(
      `cannot store the hold of ${approval.tool} on ${approval.server}`,
      INSERT,
      [this.#key(approval.id), this.#index(), this.#index('pending')],
      [approval.id, approval.createdAt, JSON.stringify(approval), ttl],
    );
    if (inserted !== 1) throw new ToolgateError('store_error', `approval ${approval.id} is already stored in Redis at ${this.#redis.where}`);
  }

  async get(id: string): Promise<Approval | undefined> {
    const fields = await this.#redis.run(`cannot read approval ${id}`, (client) => client.hmGet(this.#key(id), ['status', 'body', 'decision', 'notified']));
    return compose(fields as Fields);
  }

  async list(filter: { status?: ApprovalStatus; limit?: number } = {}): Promise<Approval[]> {
    const limit = Math.min(Math.max(filter.limit ?? 200, 1), MAX_LIST);
    const index = this.#index(filter.status);
    const ids = await this.#redis.run('cannot list approvals', (client) => client.zRange(index, 0, limit - 1, { REV: true }));
    const approvals = await Promise.all(ids.map((id) => this.get(id)));
    const gone = ids.filter((_, i) => approvals[i] === undefined);
    if (gone.length > 0) await this.#redis.run('cannot drop expired approvals from the index', (client) => client.zRem(index, gone));
    return approvals.filter((approval): approval is Approval => approval !== undefined && (filter.status === undefined || approval.status === filter.status));
  }

  async decidedAmong(ids: readonly string[]): Promise<Approval[]> {
    const approvals = await Promise.all(ids.map((id) => this.get(id)));
    return approvals.filter((approval): approval is Approval => approval !== undefined && approval.status !== 'pending');
  }

  async decide(id: string, decision: ApprovalDecision): Promise<DecideResult> {
    const stamped: ApprovalDecision & { decidedAt: number } = { ...decision, decidedAt: this.#now() };
    const reply = (await this.#redis.evalScript(
      `cannot record the decision on approval ${id}`,
      DECIDE,
      [this.#key(id), this.#index('pending'), this.#index(decision.status), this.#redis.key('approvals', 'decided')],
      [id, decision.status, JSON.stringify(stamped), this.#retentionMs],
    )) as [number, ...Fields];
    const [decided, ...fields] = reply;
    return { decided: decided === 1, approval: compose(fields) } as DecideResult;
  }

  async addNotification(id: string, result: NonNullable<Approval['notified']>[number]): Promise<Approval | undefined> {
    const [, ...fields] = (await this.#redis.evalScript(`cannot record the notification of approval ${id}`, NOTIFY, [this.#key(id)], [JSON.stringify(result)])) as [number, ...Fields];
    return compose(fields);
  }

  async abandonPending(reason: string, isOrphan: (approval: Approval) => boolean): Promise<Approval[]> {
    const orphans = (await this.list({ status: 'pending', limit: MAX_LIST })).filter(isOrphan);
    return this.#abandon(orphans, () => reason);
  }

  /** Calls `listener` with the id of every approval decided by any instance, as it happens. */
  watchDecisions(listener: (id: string) => void, resync: () => void): DecisionFeed {
    return this.#redis.subscribe('approvals:decided', listener, resync);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#holder !== undefined) await this.#redis.run('cannot end the heartbeat', (client) => client.del(this.#heartbeatKey(this.#holder!))).catch(() => undefined);
    await this.#redis.close();
  }

  async #abandon(approvals: Approval[], reason: (approval: Approval) => string): Promise<Approval[]> {
    const closed: Approval[] = [];
    for (const approval of approvals) {
      const result = await this.decide(approval.id, { status: 'abandoned', decidedBy: 'toolgate', reason: reason(approval) });
      if (result.decided) closed.push(result.approval);
    }
    return closed;
  }

  async #beat(): Promise<void> {
    if (this.#closed) return;
    await this.#redis
      .run('cannot renew the heartbeat of this instance', (client) => client.set(this.#heartbeatKey(this.#holder!), String(this.#now()), { PX: this.#heartbeatTtlMs }))
      .catch(() => undefined); // Redis down: holds are refused anyway; the beat resumes with it
  }

  /** Closes the holds of instances whose heartbeat lapsed; never this instance's own (its hub ends them). */
  async #sweepLapsedHolders(): Promise<void> {
    if (this.#closed) return;
    try {
      const pending = (await this.list({ status: 'pending', limit: MAX_LIST })).filter((approval) => approval.heldBy !== this.#holder);
      const holders = [...new Set(pending.map((approval) => approval.heldBy))];
      if (holders.length === 0) return;
      const alive = await this.#redis.run('cannot read heartbeats', (client) => client.mGet(holders.map((holder) => this.#heartbeatKey(holder))));
      const lapsed = new Set(holders.filter((_, i) => alive[i] === null));
      const seconds = Math.round(this.#heartbeatTtlMs / 1000);
      await this.#abandon(
        pending.filter((approval) => lapsed.has(approval.heldBy)),
        (approval) => `the gateway instance holding the call (${approval.heldBy}) stopped: no heartbeat for ${seconds}s; nobody waits for an answer`,
      );
    } catch {
      // Redis down: the next sweep tries again.
    }
  }

  #key(id: string): string {
    return this.#redis.key('approval', id);
  }

  /** Ids by creation time: all of them, or those with one status. */
  #index(status?: ApprovalStatus): string {
    return status === undefined ? this.#redis.key('approvals', 'all') : this.#redis.key('approvals', status);
  }

  #heartbeatKey(holder: string): string {
    return this.#redis.key('holder', holder);
  }
}

function compose([status, body, decision, notified]: Partial<Fields>): Approval | undefined {
  if (!body) return undefined;
  const approval = JSON.parse(body) as Approval;
  if (notified) approval.notified = JSON.parse(notified) as Approval['notified'];
  if (decision) Object.assign(approval, JSON.parse(decision));
  if (status) approval.status = status as ApprovalStatus;
  return approval;
}
