/**
 * The audit trail as the gateway feeds it: one record per `tools/call` decision, completed when
 * the upstream answers.
 *
 * Durability: no record of a decision is lost when the gateway process dies, however it dies.
 * `recordDecision` runs synchronously inside the gateway's decision step, before the call is
 * forwarded or answered, and appends the record to the journal with one `write(2)` (see
 * `journal.ts`). So do a person's decision on a held call (`recordApproval`) and pin events.
 * A call's completion is journaled later, to spare a second `write` per call: its line waits in
 * memory and goes out with the next journal write (usually the next call's decision), at the
 * latest at the end of the current event-loop turn (`setImmediate`). A process crash can
 * therefore lose the outcome and upstream time of calls completed in its last event-loop turn,
 * some of them already answered; their records stay as decided (`outcome` null, as for a call
 * still running when the process died), never lost.
 *
 * Records reach the store in batches, one transaction per tick, off the hot path; a batch's
 * journal segments are deleted only after the store committed it and the commit is on disk (the
 * SQLite store fsyncs its WAL on the thread pool). Whatever a dead process left in its journal is
 * replayed, idempotently, by the next process that opens the trail.
 *
 * What this does not cover: a power loss or kernel crash can lose the records of the last tick
 * (about `flushEveryMs`), which sat in the page cache but not yet on disk. A journal write that
 * fails (disk full) is logged as an error and the record is kept in memory for the next batch;
 * it then survives a process crash only once that batch commits.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { AUDIT_DEFAULTS } from '../config/build.js';
import type { AuditConfig, Config } from '../config/types.js';
import type { CallCompletion, DecisionEvent } from '../gateway/context.js';
import type { Approval } from '../approvals/types.js';
import type { ToolCall } from '../policy/types.js';
import { compileRedaction, digestArguments } from './arguments.js';
import { addLine, Journal, setLine } from './journal.js';
import { approvalPatch, completionPatch, decisionRecord, pinAuditRecord, type AuditDecision, type AuditPatch, type NewAuditRecord, type PinAuditEvent } from './record.js';
import { PostgresAuditStore } from './postgres-store.js';
import { SqliteAuditStore } from './sqlite-store.js';
import type { AuditOp, AuditQuery, AuditStore } from './store.js';
import type { AuditRecord } from './record.js';

export interface AuditLogOptions {
  store: AuditStore;
  /** Folder of the journal segments; one per store. */
  journalDir: string;
  settings: AuditConfig;
  log: Logger;
  now?: () => number;
  /** How often batches are written to the store. Default 100 ms. */
  flushEveryMs?: number;
  /** A batch this large is written at once, not at the next tick. Default 1000. */
  batchSize?: number;
  /** How often retention runs. Default 60 s. */
  pruneEveryMs?: number;
}

export interface AuditLogStats {
  /** Operations journaled but not yet in the store (a completion folded into its record's pending `add` is not counted). */
  pending: number;
  /** Operations replayed from segments of processes that died. */
  replayed: number;
  /** Lines of those segments that could not be read (a write torn by the crash). */
  unreadable: number;
  journalErrors: number;
  storeErrors: number;
  pruned: number;
}

/** A forwarded or held call's record, until the call ends; `batch` is the `#batch` its `add` went into. */
interface Running {
  record: NewAuditRecord;
  batch: number;
  /** The record's decision so far (the record itself is not changed once its batch is taken). */
  decision: AuditDecision;
}

const PRUNE_CHUNK = 5000;
const APPLY_SLICE = 5000;

export class AuditLog {
  readonly #store: AuditStore;
  readonly #journal: Journal;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #batchSize: number;
  readonly #pruneEveryMs: number;
  readonly #timer: NodeJS.Timeout;
  /** Forwarded calls still running → their record, to complete it. The gateway hands the same call object to both events. */
  readonly #running = new WeakMap<ToolCall, Running>();
  #settings!: AuditConfig;
  #redact!: (args: Record<string, unknown>) => Record<string, unknown>;
  #pending: AuditOp[] = [];
  /** Counts the batches taken from `#pending`: a record whose `add` is still there can take later changes in place. */
  #batch = 0;
  /** Journal lines of completions not written yet: they go with the next write, at the latest at the end of this event-loop turn. */
  #unjournaled = '';
  #unjournaledQueued = false;
  #seq = 0;
  #chain: Promise<void> = Promise.resolve();
  #flushQueued = false;
  #lastPrune = Number.NEGATIVE_INFINITY;
  #closed = false;
  /** When the store started failing batches; undefined while it works. */
  #failingSince: number | undefined;
  readonly #stats: AuditLogStats = { pending: 0, replayed: 0, unreadable: 0, journalErrors: 0, storeErrors: 0, pruned: 0 };

  constructor(options: AuditLogOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#batchSize = options.batchSize ?? 1000;
    this.#pruneEveryMs = options.pruneEveryMs ?? 60_000;
    this.configure(options.settings);
    this.#journal = new Journal(options.journalDir);
    const orphans = this.#journal.adoptOrphans();
    if (orphans.segments.length > 0) {
      this.#pending.push(...orphans.ops);
      this.#stats.replayed = orphans.ops.length;
      this.#stats.unreadable = orphans.unreadable;
      this.#log.info({ operations: orphans.ops.length, segments: orphans.segments.length, unreadable: orphans.unreadable }, 'replaying the audit journal of a process that stopped without writing it');
    }
    this.#timer = setInterval(() => void this.flush(), options.flushEveryMs ?? 100);
    this.#timer.unref();
    void this.flush();
  }

  /** Takes new `arguments`/`redact`/`retention` settings (config reload); `file` needs a restart. */
  configure(settings: AuditConfig = AUDIT_DEFAULTS): void {
    this.#settings = settings;
    this.#redact = compileRedaction(settings.redact);
  }

  get stats(): AuditLogStats {
    return { ...this.#stats, pending: this.#pending.length };
  }

  /** The hot path: runs before the agent gets its answer. Never throws. */
  recordDecision(event: DecisionEvent): void {
    if (this.#closed) {
      this.#log.error({ tool: event.call.tool }, 'audit record after the audit log was closed; not recorded');
      return;
    }
    let record: NewAuditRecord;
    try {
      const uid = `${this.#journal.boot}:${(++this.#seq).toString(36)}`;
      record = decisionRecord(event, uid, digestArguments(event.call.args, this.#settings.arguments, this.#redact));
    } catch (error) {
      // Cannot happen with JSON arguments; if it does, the call must still be answered.
      this.#log.error({ err: error, tool: event.call.tool }, 'cannot build the audit record of a call; not recorded');
      return;
    }
    if (event.forwarded || (event.decision.kind === 'hold' && event.decision.mode === 'enforce')) {
      this.#running.set(event.call, { record, batch: this.#batch, decision: record.decision });
    }
    this.#add(record);
  }

  /** A held call was decided: its record's decision becomes approved, refused, expired or abandoned. */
  recordApproval(call: ToolCall, approval: Approval): void {
    const running = this.#running.get(call);
    if (!running || approval.status === 'pending') return;
    running.decision = approval.status;
    if (approval.status !== 'approved') this.#running.delete(call);
    if (this.#closed) return;
    const fields = approvalPatch(approval);
    this.#writeJournal(setLine(running.record.uid, fields)); // now: a person's decision is not left to the next write
    this.#change(running, fields);
  }

  /** Something happened to a tool's pin (seen by the gateway, or decided by a person). Never throws. */
  recordPin(event: PinAuditEvent): void {
    if (this.#closed) {
      this.#log.error({ server: event.server, tool: event.tool, pin: event.kind }, 'pin audit record after the audit log was closed; not recorded');
      return;
    }
    this.#add(pinAuditRecord(event, `${this.#journal.boot}:${(++this.#seq).toString(36)}`));
  }

  /** The upstream answered a forwarded call (or it ended otherwise). Journaled with the next write, not on its own (see above). */
  recordCompletion(completion: CallCompletion): void {
    const running = this.#running.get(completion.call);
    if (!running) return; // decided before this log existed (or after it closed)
    this.#running.delete(completion.call);
    if (this.#closed) return;
    const fields = completionPatch(completion, running.decision);
    this.#unjournaled += setLine(running.record.uid, fields);
    if (!this.#unjournaledQueued) {
      this.#unjournaledQueued = true;
      setImmediate(this.#writeUnjournaled);
    }
    this.#change(running, fields);
  }

  readonly #writeUnjournaled = (): void => {
    this.#unjournaledQueued = false;
    if (this.#unjournaled !== '') this.#writeJournal('');
  };

  #add(record: NewAuditRecord): void {
    this.#writeJournal(addLine(record));
    this.#queue({ op: 'add', record });
  }

  /**
   * A later change to a record: made in place while its `add` waits in `#pending` (most calls
   * complete within one batch, and one INSERT costs the store less than an INSERT and an
   * UPDATE), else queued as a `set`. The journal has both lines either way, for a replay.
   */
  #change(running: Running, fields: AuditPatch): void {
    if (running.batch === this.#batch) Object.assign(running.record, fields);
    else this.#queue({ op: 'set', uid: running.record.uid, fields });
  }

  /** Writes `lines` to the journal, after the completions waiting for a write. */
  #writeJournal(lines: string): void {
    const text = this.#unjournaled === '' ? lines : this.#unjournaled + lines;
    this.#unjournaled = '';
    try {
      this.#journal.write(text);
    } catch (error) {
      this.#stats.journalErrors++;
      this.#log.error({ err: error }, 'cannot append to the audit journal; the record is kept in memory until the next batch');
    }
  }

  #queue(op: AuditOp): void {
    this.#pending.push(op);
    if (this.#pending.length >= this.#batchSize && !this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Writes everything journaled so far to the store. Resolves when done; a store error is logged and retried later. */
  flush(): Promise<void> {
    this.#chain = this.#chain
      .then(() => this.#flushOnce())
      .catch((error: unknown) => {
        this.#stats.storeErrors++;
        this.#log.error({ err: error }, 'audit batch failed; retried at the next tick');
      });
    return this.#chain;
  }

  async #flushOnce(): Promise<void> {
    this.#flushQueued = false;
    if (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      this.#batch++; // the batch's records are the store's now (or may be, if it fails): later changes are `set`s
      try {
        if (this.#unjournaled !== '') this.#writeJournal(''); // the segments to delete must hold every line of the batch
        const segments = this.#journal.rotate();
        // Large batches (a replay, or after a store outage) go in slices, letting calls through in between.
        for (let start = 0; start < batch.length; start += APPLY_SLICE) {
          if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
          await this.#store.apply(batch.slice(start, start + APPLY_SLICE));
        }
        this.#journal.committed(segments);
      } catch (error) {
        this.#pending = batch.concat(this.#pending);
        this.#stats.storeErrors++;
        // Said once per outage, not at every tick while the store stays unavailable.
        if (this.#failingSince === undefined) {
          this.#failingSince = this.#now();
          this.#log.error({ err: error, records: batch.length }, 'cannot write audit records to the store; they stay in the journal and are retried at every batch');
        } else {
          this.#log.debug({ err: error, records: this.#pending.length }, 'the audit store still fails; retried at the next batch');
        }
        return;
      }
      if (this.#failingSince !== undefined) {
        this.#log.warn({ records: batch.length, failingMs: this.#now() - this.#failingSince }, 'the audit store takes records again; every record kept in the journal is now stored');
        this.#failingSince = undefined;
      }
    }
    if (this.#now() - this.#lastPrune >= this.#pruneEveryMs) await this.prune();
  }

  /** Applies retention now, a chunk at a time; returns how many records were deleted. */
  async prune(): Promise<number> {
    this.#lastPrune = this.#now();
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.#store.prune(this.#settings.retention, this.#now(), PRUNE_CHUNK);
        total += deleted;
        if (deleted < PRUNE_CHUNK) break;
        await new Promise<void>((resolve) => setImmediate(resolve)); // let calls through between chunks
      }
    } catch (error) {
      this.#stats.storeErrors++;
      this.#log.error({ err: error }, 'audit retention failed; retried at the next interval');
    }
    this.#stats.pruned += total;
    if (total > 0) this.#log.info({ deleted: total }, 'audit retention deleted old records');
    return total;
  }

  /**
   * Writes what is pending and closes the store. If the store cannot take the last batch, its
   * journal segments stay on disk and the next start replays them.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    await this.flush();
    this.#closed = true;
    this.#journal.close(this.#pending.length === 0);
    if (this.#pending.length > 0) this.#log.error({ records: this.#pending.length }, 'audit records not written to the store at shutdown; kept in the journal for the next start');
    await this.#store.close();
  }
}

/** The audit file for a config: `audit.file` under `data_dir`. */
export function auditFile(config: Config): string {
  const settings = config.audit ?? AUDIT_DEFAULTS;
  return isAbsolute(settings.file) ? settings.file : resolve(config.dataDir, settings.file);
}

/** The journal folder beside an audit file. */
export const journalDirFor = (file: string): string => `${file}.journal`;

/**
 * The audit trail the config asks for: SQLite in `data_dir`, or the fleet's PostgreSQL
 * (`audit.postgres`) with this process's journal still in `data_dir`; none when `audit.enabled`
 * is false.
 */
export function openAuditLog(config: Config, log: Logger): AuditLog | undefined {
  const settings = config.audit ?? AUDIT_DEFAULTS;
  if (!settings.enabled) return undefined;
  const file = auditFile(config);
  mkdirSync(dirname(file), { recursive: true });
  const store = settings.postgres ? new PostgresAuditStore(settings.postgres.url) : new SqliteAuditStore(file);
  return new AuditLog({ store, journalDir: journalDirFor(file), settings, log });
}

/** Reads a trail with the store's filters, without writing it: `toolgate audit` and `GET /admin/api/audit`. */
export interface AuditTrailReader {
  iterate(query: AuditQuery): Iterable<AuditRecord> | AsyncIterable<AuditRecord>;
  query(query: AuditQuery): Promise<AuditRecord[]>;
  follow: AuditStore['follow'];
  close(): Promise<void>;
}

/** The PostgreSQL trail when the config has one; otherwise the SQLite file, read-only. */
export function openAuditReader(config: Config): AuditTrailReader {
  const postgres = (config.audit ?? AUDIT_DEFAULTS).postgres;
  return postgres ? new PostgresAuditStore(postgres.url) : new SqliteAuditStore(auditFile(config), { readonly: true });
}
