import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Approval, ApprovalStatus } from './types.js';

/** Where holds are kept: they must outlive the process that created them (see `abandonPending`). */
export interface ApprovalStore {
  insert(approval: Approval): void;
  update(approval: Approval): void;
  get(id: string): Approval | undefined;
  list(filter?: { status?: ApprovalStatus; limit?: number }): Approval[];
  /** Closes the pending approvals `isOrphan` picks (those of processes that are gone); returns them. */
  abandonPending(reason: string, nowMs: number, isOrphan: (approval: Approval) => boolean): Approval[];
  close(): void;
}

interface Row {
  id: string;
  body: string;
}

/** SQLite (WAL) in the data directory; one JSON document per approval plus indexed columns. */
export class SqliteApprovalStore implements ApprovalStore {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #update: Database.Statement;
  readonly #get: Database.Statement;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS approvals (
      id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, created_at);`);
    this.#insert = this.#db.prepare('INSERT INTO approvals (id, status, created_at, body) VALUES (@id, @status, @createdAt, @body)');
    this.#update = this.#db.prepare('UPDATE approvals SET status = @status, body = @body WHERE id = @id');
    this.#get = this.#db.prepare('SELECT id, body FROM approvals WHERE id = ?');
  }

  insert(approval: Approval): void {
    this.#insert.run({ id: approval.id, status: approval.status, createdAt: approval.createdAt, body: JSON.stringify(approval) });
  }

  update(approval: Approval): void {
    this.#update.run({ id: approval.id, status: approval.status, body: JSON.stringify(approval) });
  }

  get(id: string): Approval | undefined {
    const row = this.#get.get(id) as Row | undefined;
    return row ? (JSON.parse(row.body) as Approval) : undefined;
  }

  list(filter: { status?: ApprovalStatus; limit?: number } = {}): Approval[] {
    const limit = Math.min(Math.max(filter.limit ?? 200, 1), 10_000);
    const rows = (
      filter.status
        ? this.#db.prepare('SELECT id, body FROM approvals WHERE status = ? ORDER BY created_at DESC LIMIT ?').all(filter.status, limit)
        : this.#db.prepare('SELECT id, body FROM approvals ORDER BY created_at DESC LIMIT ?').all(limit)
    ) as Row[];
    return rows.map((row) => JSON.parse(row.body) as Approval);
  }

  abandonPending(reason: string, nowMs: number, isOrphan: (approval: Approval) => boolean): Approval[] {
    const closed = this.list({ status: 'pending', limit: 10_000 }).filter(isOrphan).map((approval) => ({
      ...approval,
      status: 'abandoned' as const,
      decidedAt: nowMs,
      reason,
    }));
    this.#db.transaction(() => closed.forEach((approval) => this.update(approval)))();
    return closed;
  }

  close(): void {
    this.#db.close();
  }
}
