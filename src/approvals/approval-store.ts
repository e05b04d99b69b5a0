import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase, retryWhileBusy, sqliteStoreError } from '../sqlite.js';
import type { Approval, ApprovalDecision, ApprovalStatus } from './types.js';

/** What `decide` did: `decided` when this call ended the approval; otherwise how it stands (absent: no such id). */
export type DecideResult = { decided: true; approval: Approval } | { decided: false; approval?: Approval };

/**
 * Where holds are kept. They must outlive the process that created them (see `abandonPending`),
 * and any process sharing the store may decide one: `decide` is the single compare-and-set from
 * pending to decided, so the first decision wins wherever it is made. The holding process learns
 * of decisions made elsewhere at once from a store that pushes them (`watchDecisions`), and
 * otherwise by asking `decidedAmong` for its own holds (see `ApprovalHub`).
 * Times recorded (`decidedAt`) come from the clock the store was built with. Every failure of
 * the storage rejects with a `store_error`.
 */
export interface ApprovalStore {
  insert(approval: Approval): Promise<void>;
  get(id: string): Promise<Approval | undefined>;
  list(filter?: { status?: ApprovalStatus; limit?: number }): Promise<Approval[]>;
  /** The approvals among `ids` that are no longer pending. */
  decidedAmong(ids: readonly string[]): Promise<Approval[]>;
  /** Ends a pending approval with `decision`, stamped now; leaves one already decided as it is. */
  decide(id: string, decision: ApprovalDecision): Promise<DecideResult>;
  /** Appends how one notification channel went; returns the updated approval (absent: no such id). */
  addNotification(id: string, result: NonNullable<Approval['notified']>[number]): Promise<Approval | undefined>;
  /** Closes the pending approvals `isOrphan` picks (those of processes that are gone) as abandoned; returns them. */
  abandonPending(reason: string, isOrphan: (approval: Approval) => boolean): Promise<Approval[]>;
  /**
   * Stores shared by several processes may push: `listener` gets the id of each approval decided
   * anywhere, as it is decided. `resync` runs whenever the feed (re)starts, since ids sent while it
   * was down are lost; `live` says whether it runs now.
   */
  watchDecisions?(listener: (id: string) => void, resync: () => void): DecisionFeed;
  close(): Promise<void>;
}

export interface DecisionFeed {
  live(): boolean;
  stop(): Promise<void>;
}

/** The approvals file of a config: `approvals.sqlite` in its data folder. */
export function approvalsFile(config: { dataDir: string }): string {
  return join(config.dataDir, 'approvals.sqlite');
}

interface Row {
  id: string;
  body: string;
}

const MAX_LIST = 10_000;

/**
 * SQLite (WAL) in the data directory, shared by every toolgate process on the config; one JSON
 * document per approval plus indexed columns. Statements never hold the event loop for long
 * while another process has the file locked (see `src/sqlite.ts`).
 */
export class SqliteApprovalStore implements ApprovalStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #sql: Record<'insert' | 'update' | 'get' | 'listAll' | 'listStatus', Database.Statement>;

  constructor(file: string, options: { now: () => number; fileMustExist?: boolean }) {
    this.file = file;
    this.#now = options.now;
    try {
      if (!options.fileMustExist) mkdirSync(dirname(file), { recursive: true });
      this.#db = openDatabase(file, { fileMustExist: options.fileMustExist }, (db) => {
        db.pragma('synchronous = NORMAL');
        db.exec(`CREATE TABLE IF NOT EXISTS approvals (
          id TEXT PRIMARY KEY,
          status TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          body TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, created_at);`);
      });
      this.#sql = {
        insert: this.#db.prepare('INSERT INTO approvals (id, status, created_at, body) VALUES (@id, @status, @createdAt, @body)'),
        update: this.#db.prepare('UPDATE approvals SET status = @status, body = @body WHERE id = @id'),
        get: this.#db.prepare('SELECT id, body FROM approvals WHERE id = ?'),
        listAll: this.#db.prepare('SELECT id, body FROM approvals ORDER BY created_at DESC LIMIT ?'),
        listStatus: this.#db.prepare('SELECT id, body FROM approvals WHERE status = ? ORDER BY created_at DESC LIMIT ?'),
      };
    } catch (error) {
      throw sqliteStoreError(`cannot open the approvals file ${file}`, error);
    }
  }

  insert(approval: Approval): Promise<void> {
    return this.#run(`cannot store the hold in ${this.file}`, () => {
      this.#sql.insert.run({ id: approval.id, status: approval.status, createdAt: approval.createdAt, body: JSON.stringify(approval) });
    });
  }

  get(id: string): Promise<Approval | undefined> {
    return this.#run(`cannot read ${this.file}`, () => this.#get(id));
  }

  list(filter: { status?: ApprovalStatus; limit?: number } = {}): Promise<Approval[]> {
    const limit = Math.min(Math.max(filter.limit ?? 200, 1), MAX_LIST);
    return this.#run(`cannot read ${this.file}`, () => {
      const rows = (filter.status ? this.#sql.listStatus.all(filter.status, limit) : this.#sql.listAll.all(limit)) as Row[];
      return rows.map(parse);
    });
  }

  decidedAmong(ids: readonly string[]): Promise<Approval[]> {
    return this.#run(`cannot read ${this.file}`, () => ids.map((id) => this.#get(id)).filter((approval): approval is Approval => approval !== undefined && approval.status !== 'pending'));
  }

  decide(id: string, decision: ApprovalDecision): Promise<DecideResult> {
    return this.#run(`cannot record the decision on approval ${id} in ${this.file}`, () =>
      this.#db
        .transaction((): DecideResult => {
          const current = this.#get(id);
          if (current === undefined || current.status !== 'pending') return { decided: false, approval: current };
          const approval: Approval = { ...current, ...decision, decidedAt: this.#now() };
          this.#write(approval);
          return { decided: true, approval };
        })
        .immediate(),
    );
  }

  addNotification(id: string, result: NonNullable<Approval['notified']>[number]): Promise<Approval | undefined> {
    return this.#run(`cannot record the notification of approval ${id} in ${this.file}`, () =>
      this.#db
        .transaction(() => {
          const current = this.#get(id);
          if (current === undefined) return undefined;
          const approval: Approval = { ...current, notified: [...(current.notified ?? []), result] };
          this.#write(approval);
          return approval;
        })
        .immediate(),
    );
  }

  abandonPending(reason: string, isOrphan: (approval: Approval) => boolean): Promise<Approval[]> {
    return this.#run(`cannot close the holds of gone processes in ${this.file}`, () =>
      this.#db
        .transaction(() => {
          const orphans = (this.#sql.listStatus.all('pending', MAX_LIST) as Row[]).map(parse).filter(isOrphan);
          const decidedAt = this.#now();
          const closed = orphans.map((approval): Approval => ({ ...approval, status: 'abandoned', decidedBy: 'toolgate', decidedAt, reason }));
          for (const approval of closed) this.#write(approval);
          return closed;
        })
        .immediate(),
    );
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #get(id: string): Approval | undefined {
    const row = this.#sql.get.get(id) as Row | undefined;
    return row ? parse(row) : undefined;
  }

  #write(approval: Approval): void {
    this.#sql.update.run({ id: approval.id, status: approval.status, body: JSON.stringify(approval) });
  }

  async #run<T>(what: string, operation: () => T): Promise<T> {
    try {
      return await retryWhileBusy(operation);
    } catch (error) {
      throw sqliteStoreError(what, error);
    }
  }
}

const parse = (row: Row): Approval => JSON.parse(row.body) as Approval;
