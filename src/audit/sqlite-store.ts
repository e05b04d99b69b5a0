/**
 * The audit trail in one SQLite file (WAL), embedded in the gateway. Several processes may write
 * it at once (`toolgate stdio` runs one per client) and `toolgate audit` reads it while they do.
 *
 * Every committed batch is on disk before `apply` resolves, and so before its journal segment
 * is deleted: a power loss can only cost records not yet batched (see `AuditLog`). SQLite itself
 * runs with `synchronous = NORMAL` (in WAL mode it then syncs only at checkpoints) and `apply`
 * fsyncs the WAL file on libuv's thread pool after the commit: with `FULL` that flush ran inside
 * the commit, on the event loop, and every call in flight waited for the disk once per batch.
 *
 * A file another process holds locked never stalls the event loop: a batch waits for the lock
 * on a timer, for at most `BATCH_BUDGET_MS`, then fails and stays in the journal for the next
 * batch (see `src/sqlite.ts`).
 */
import type Database from 'better-sqlite3';
import { closeSync, fsync, openSync } from 'node:fs';
import { promisify } from 'node:util';
import { ToolgateError } from '../errors.js';
import { openDatabase, retryWhileBusy } from '../sqlite.js';
import { COLUMNS, COLUMN_OF, type AuditPatch, type AuditRecord, type NewAuditRecord } from './record.js';
import type { AuditFollow, AuditOp, AuditQuery, AuditRetention, AuditStore } from './store.js';

const SCHEMA_VERSION = 1;
const fsyncOnThreadPool = promisify(fsync);
const q = (column: string) => `"${column}"`;

const SQL_TYPES = { int: 'INTEGER', real: 'REAL', text: 'TEXT', json: 'TEXT', bool: 'INTEGER' } as const;
const REQUIRED = new Set(['uid', 'time', 'method', 'server', 'tool', 'requestId', 'decision', 'policyDecision', 'mode', 'forwarded']);

function createTable(): string {
  const columns = COLUMNS.map(([field, column, kind]) =>
    field === 'id' ? 'id INTEGER PRIMARY KEY AUTOINCREMENT' : `${q(column)} ${SQL_TYPES[kind]}${REQUIRED.has(field) ? ' NOT NULL' : ''}${field === 'uid' ? ' UNIQUE' : ''}`,
  );
  return `CREATE TABLE IF NOT EXISTS audit (\n  ${columns.join(',\n  ')}\n)`;
}

const INSERT_COLUMNS = COLUMNS.filter(([field]) => field !== 'id');

/** How long one batch (or one retention chunk) waits for another process's lock before it is retried later. */
const BATCH_BUDGET_MS = 250;

export interface SqliteAuditStoreOptions {
  /** For `toolgate audit`: never writes, never creates the file. */
  readonly?: boolean;
}

export class SqliteAuditStore implements AuditStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #insert?: Database.Statement;
  readonly #updates = new Map<string, Database.Statement>();
  readonly #applyAll?: (ops: readonly AuditOp[]) => void;
  /** The WAL file, synced after each batch; opened with the first. */
  #walFd?: number;

  constructor(file: string, options: SqliteAuditStoreOptions = {}) {
    this.file = file;
    try {
      this.#db = openDatabase(file, { readonly: options.readonly === true }, (db) => {
        if (options.readonly) return;
        db.pragma('synchronous = NORMAL');
        migrate(db, file);
      });
      if (options.readonly) return;
    } catch (error) {
      throw storeError(`cannot open the audit file ${file}`, error);
    }
    this.#insert = this.#db.prepare(`INSERT INTO audit (${INSERT_COLUMNS.map(([, c]) => q(c)).join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`);
    this.#applyAll = this.#db.transaction((ops: readonly AuditOp[]) => {
      for (const op of ops) {
        if (op.op === 'add') this.#add(op.record);
        else this.#update(op.uid, op.fields);
      }
    });
  }

  /**
   * Inserts a record unless its uid is stored already (a replay). A plain INSERT whose uid
   * conflict is caught costs less per row than `ON CONFLICT(uid) DO NOTHING` (about 1 µs of 10),
   * and a repeated uid is rare: only a replay meets one. Not `INSERT OR IGNORE`: that would also
   * drop, silently, a record breaking NOT NULL (`uid` is the only UNIQUE constraint). The failed
   * statement alone is undone; the batch's transaction goes on.
   */
  #add(record: NewAuditRecord): void {
    try {
      this.#insert!.run(toRow(record));
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
    }
  }

  #update(uid: string, fields: AuditPatch): void {
    const names = Object.keys(fields).sort() as Array<keyof AuditPatch>;
    if (names.length === 0) return;
    const key = names.join(',');
    let statement = this.#updates.get(key);
    if (!statement) {
      statement = this.#db.prepare(`UPDATE audit SET ${names.map((n) => `${q(COLUMN_OF[n])} = ?`).join(', ')} WHERE uid = ?`);
      this.#updates.set(key, statement);
    }
    statement.run(...names.map((n) => (typeof fields[n] === 'boolean' ? Number(fields[n]) : (fields[n] ?? null))), uid);
  }

  async apply(ops: readonly AuditOp[]): Promise<void> {
    if (!this.#applyAll) throw new ToolgateError('store_error', `the audit file ${this.file} is open read-only`);
    try {
      await retryWhileBusy(() => this.#applyAll!(ops), BATCH_BUDGET_MS);
      // The batch is in the WAL, or already checkpointed into the database file (a checkpoint
      // syncs both under NORMAL). The fd stays valid while this connection keeps the WAL open.
      await fsyncOnThreadPool((this.#walFd ??= openSync(`${this.file}-wal`, 'r')));
    } catch (error) {
      throw storeError(`cannot write ${ops.length} audit record(s) to ${this.file}`, error);
    }
  }

  async query(query: AuditQuery): Promise<AuditRecord[]> {
    return [...this.iterate(query)];
  }

  /** Records one at a time, oldest first, for exports larger than memory. */
  *iterate(query: AuditQuery): Generator<AuditRecord> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.server !== undefined) (where.push('server GLOB ?'), params.push(query.server));
    if (query.tool !== undefined) (where.push(`${q(COLUMN_OF.tool)} GLOB ?`), params.push(query.tool));
    if (query.agent !== undefined) (where.push(`${q(COLUMN_OF.agent)} GLOB ?`), params.push(query.agent));
    if (query.decisions?.length) (where.push(`decision IN (${query.decisions.map(() => '?').join(', ')})`), params.push(...query.decisions));
    if (query.since !== undefined) (where.push('time >= ?'), params.push(query.since));
    if (query.afterId !== undefined) (where.push('id > ?'), params.push(query.afterId));
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const limit = query.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.floor(query.limit))}`;
    let sql = `SELECT * FROM audit ${filter} ORDER BY id ${query.newest ? 'DESC' : 'ASC'} ${limit}`;
    if (query.newest) sql = `SELECT * FROM (${sql}) ORDER BY id ASC`;
    let statement: Database.Statement;
    try {
      statement = this.#db.prepare(sql);
    } catch (error) {
      // A file with no table yet: the gateway created it but was stopped before its first batch.
      if (/no such table/.test((error as Error).message)) return;
      throw storeError(`cannot read the audit file ${this.file}`, error);
    }
    for (const row of statement.iterate(...params)) yield fromRow(row as Record<string, unknown>);
  }

  /** Writers take turns on the file's lock and number records as they commit, so the last id seen is the cursor. */
  async follow(query: AuditQuery, cursor?: string): Promise<AuditFollow> {
    let records: AuditRecord[];
    if (cursor === undefined) records = [...this.iterate(query)];
    else {
      const { limit: _limit, newest: _newest, ...rest } = query;
      records = [...this.iterate({ ...rest, afterId: Number(cursor) })];
    }
    return { records, cursor: String(records.at(-1)?.id ?? cursor ?? 0) };
  }

  async prune(retention: AuditRetention, nowMs: number, limit: number): Promise<number> {
    try {
      return await retryWhileBusy(() => this.#pruneChunk(retention, nowMs, limit), BATCH_BUDGET_MS);
    } catch (error) {
      throw storeError(`cannot delete old audit records from ${this.file}`, error);
    }
  }

  /** One bounded chunk of retention, in one transaction (so a retry after a lock starts clean). */
  #pruneChunk(retention: AuditRetention, nowMs: number, limit: number): number {
    return this.#db
      .transaction(() => {
        let deleted = this.#db
          .prepare('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE time < ? ORDER BY id LIMIT ?)')
          .run(nowMs - retention.maxAgeMs, limit).changes;
        if (deleted < limit) {
          // Ids grow with every record, so the newest `maxRows` are those above the cut.
          const cut = this.#db.prepare('SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET ?').pluck().get(retention.maxRows) as number | undefined;
          if (cut !== undefined) {
            deleted += this.#db.prepare('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE id <= ? ORDER BY id LIMIT ?)').run(cut, limit - deleted).changes;
          }
        }
        return deleted;
      })
      .immediate();
  }

  /** Number of records, for tests and `toolgate audit` summaries. */
  count(): number {
    try {
      return this.#db.prepare('SELECT count(*) FROM audit').pluck().get() as number;
    } catch (error) {
      if (/no such table/.test((error as Error).message)) return 0;
      throw storeError(`cannot read the audit file ${this.file}`, error);
    }
  }

  async close(): Promise<void> {
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#walFd = undefined;
    if (this.#db.open) this.#db.close();
  }
}

function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new ToolgateError('store_error', `the audit file ${file} was written by a newer toolgate (schema ${version}; this one knows ${SCHEMA_VERSION}); upgrade toolgate or point audit.file elsewhere`);
  }
  db.exec(createTable());
  // A field added to the record later (approvals add some) becomes a nullable column of files
  // written before: records keep their shape, and older rows read it as null.
  const present = new Set((db.prepare('SELECT name FROM pragma_table_info(\'audit\')').pluck().all() as string[]));
  for (const [field, column, kind] of COLUMNS) {
    if (present.has(column)) continue;
    if (REQUIRED.has(field)) throw new ToolgateError('store_error', `the audit file ${file} has no \`${column}\` column and it cannot be added to existing records; move the file aside to start a new one`);
    db.exec(`ALTER TABLE audit ADD COLUMN ${q(column)} ${SQL_TYPES[kind]}`);
  }
  db.exec(`
    CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
    CREATE INDEX IF NOT EXISTS audit_server_tool ON audit(server, ${q(COLUMN_OF.tool)});
    CREATE INDEX IF NOT EXISTS audit_decision ON audit(decision);
    PRAGMA user_version = ${SCHEMA_VERSION};`);
}

const INSERT_FIELDS = INSERT_COLUMNS.map(([field]) => field as keyof NewAuditRecord);
const INSERT_KINDS = INSERT_COLUMNS.map(([, , kind]) => kind);

/** One row of the batch insert: a plain loop over precomputed fields (it runs for every record). */
function toRow(record: NewAuditRecord): unknown[] {
  const row = new Array<unknown>(INSERT_FIELDS.length);
  for (let i = 0; i < INSERT_FIELDS.length; i++) {
    const value = record[INSERT_FIELDS[i]];
    const kind = INSERT_KINDS[i];
    row[i] = value === null || value === undefined ? null : kind === 'json' ? JSON.stringify(value) : kind === 'bool' ? (value ? 1 : 0) : value;
  }
  return row;
}

/** A row as the table holds it, back into a record. */
export function fromRow(row: Record<string, unknown>): AuditRecord {
  const record: Record<string, unknown> = {};
  for (const [field, column, kind] of COLUMNS) {
    const value = row[column];
    if (value === null || value === undefined) record[field] = null;
    else if (kind === 'json') record[field] = JSON.parse(value as string);
    else if (kind === 'bool') record[field] = value === 1;
    else record[field] = value;
  }
  return record as unknown as AuditRecord;
}

function storeError(what: string, error: unknown): ToolgateError {
  if (error instanceof ToolgateError) return error;
  const message = (error as Error).message;
  const hint = /SQLITE_BUSY|locked/.test(message)
    ? 'another process holds the file locked; retried on the next batch'
    : /readonly|permission|SQLITE_CANTOPEN/i.test(message)
      ? 'check that the user running toolgate can write data_dir'
      : /SQLITE_FULL|disk/i.test(message)
        ? 'the disk is full; free space, or lower audit.retention'
        : undefined;
  return new ToolgateError('store_error', `${what}: ${message}${hint ? ` (hint: ${hint})` : ''}`, { cause: error });
}
