/**
 * Pins in one SQLite file (`pins.sqlite` in the config's `data_dir`, WAL), shared by every
 * toolgate process on the config: the gateway, `toolgate stdio` per client, and `toolgate pins`
 * accepting a change while they run.
 *
 * `check` runs on every `tools/list` the gateway passes on, so it reads an in-memory copy of the
 * pins and writes only when something changes (first sight, a new definition, a revert). Other
 * processes' writes are noticed through `PRAGMA data_version`, which changes exactly when another
 * connection commits; the copy is then reloaded. A change is decided inside an IMMEDIATE
 * transaction on the row as stored, so two processes seeing the same new definition record it once.
 *
 * Statements never hold the event loop for long while another process has the file locked; they
 * retry off the event loop and fail with a `store_error` when the lock outlasts the budget (see
 * `src/sqlite.ts`).
 *
 * Modules under `catalog/node/` may use Node, SQLite and npm packages; the top-level catalog
 * modules stay pure (see test/catalog/purity.test.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase, retryWhileBusy, sqliteStoreError } from '../../sqlite.js';
import { canonicalJson, type PinCheck, type PinRecord, type PinStore, type PinnableTool } from '../pins.js';
import { notPinned, pinDiff, sha256 } from './pin-common.js';

const SCHEMA_VERSION = 1;

/** The pin file of a config: `pins.sqlite` in its data folder. */
export function pinsFile(config: { dataDir: string }): string {
  return join(config.dataDir, 'pins.sqlite');
}

export interface SqlitePinStoreOptions {
  /** The clock that stamps what is recorded (`pinnedAt`, `changedAt`). */
  now: () => number;
  /** For readers (`toolgate pins list`): fail instead of creating a missing file. */
  fileMustExist?: boolean;
}

/** One event in a tool's pin history; kept for people, never read by `check`. */
export interface PinEvent {
  server: string;
  tool: string;
  at: number;
  event: 'pinned' | 'changed' | 'accepted' | 'reverted';
  hash: string;
}

interface Row {
  server: string;
  tool: string;
  hash: string;
  definition: string;
  pinned_at: number;
  seen_hash: string | null;
  seen_definition: string | null;
  changed_at: number | null;
  diff: string | null;
}

export class SqlitePinStore implements PinStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #cache = new Map<string, Row>();
  #dataVersion = -1;
  readonly #sql: {
    dataVersion: Database.Statement;
    all: Database.Statement;
    one: Database.Statement;
    insert: Database.Statement;
    setSeen: Database.Statement;
    clearSeen: Database.Statement;
    accept: Database.Statement;
    event: Database.Statement;
    history: Database.Statement;
  };

  constructor(file: string, options: SqlitePinStoreOptions) {
    this.file = file;
    this.#now = options.now;
    try {
      if (!options.fileMustExist) mkdirSync(dirname(file), { recursive: true });
      this.#db = openDatabase(file, { fileMustExist: options.fileMustExist }, (db) => migrate(db));
      this.#sql = {
        dataVersion: this.#db.prepare('PRAGMA data_version').pluck(),
        all: this.#db.prepare('SELECT * FROM pins ORDER BY server, tool'),
        one: this.#db.prepare('SELECT * FROM pins WHERE server = ? AND tool = ?'),
        insert: this.#db.prepare('INSERT INTO pins (server, tool, hash, definition, pinned_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
        setSeen: this.#db.prepare('UPDATE pins SET seen_hash = ?, seen_definition = ?, changed_at = ?, diff = ? WHERE server = ? AND tool = ?'),
        clearSeen: this.#db.prepare('UPDATE pins SET seen_hash = NULL, seen_definition = NULL, changed_at = NULL, diff = NULL WHERE server = ? AND tool = ?'),
        accept: this.#db.prepare(
          'UPDATE pins SET hash = seen_hash, definition = seen_definition, pinned_at = ?, seen_hash = NULL, seen_definition = NULL, changed_at = NULL, diff = NULL WHERE server = ? AND tool = ?',
        ),
        event: this.#db.prepare('INSERT INTO pin_events (server, tool, at, event, hash) VALUES (?, ?, ?, ?, ?)'),
        history: this.#db.prepare('SELECT server, tool, at, event, hash FROM pin_events WHERE server = ? AND tool = ? ORDER BY id'),
      };
    } catch (error) {
      throw sqliteStoreError(`cannot open the pin file ${file}`, error);
    }
  }

  async check(server: string, tool: PinnableTool): Promise<PinCheck> {
    const definition = canonicalJson(tool);
    const hash = sha256(definition);
    const cached = (await this.#fresh()).get(key(server, tool.name));
    if (cached !== undefined) {
      if (cached.hash === hash && cached.seen_hash === null) return { status: 'ok', pinnedAt: cached.pinned_at };
      if (cached.seen_hash === hash) return changed(cached);
    }
    const nowMs = this.#now();
    return this.#write(`cannot record the definition of tool "${tool.name}" on server "${server}"`, (): PinCheck => {
      const row = this.#sql.one.get(server, tool.name) as Row | undefined;
      if (row === undefined) {
        this.#sql.insert.run(server, tool.name, hash, definition, nowMs);
        this.#sql.event.run(server, tool.name, nowMs, 'pinned', hash);
        this.#remember(this.#sql.one.get(server, tool.name) as Row);
        return { status: 'new', pinnedAt: nowMs };
      }
      if (row.hash === hash) {
        if (row.seen_hash !== null) {
          // Back to the pinned definition: nothing is pending any more.
          this.#sql.clearSeen.run(server, tool.name);
          this.#sql.event.run(server, tool.name, nowMs, 'reverted', hash);
        }
        this.#remember({ ...row, seen_hash: null, seen_definition: null, changed_at: null, diff: null });
        return { status: 'ok', pinnedAt: row.pinned_at };
      }
      if (row.seen_hash === hash) {
        this.#remember(row); // another process recorded this change first
        return changed(row);
      }
      const diff = pinDiff(server, tool.name, row.definition, definition, row.pinned_at, nowMs);
      this.#sql.setSeen.run(hash, definition, nowMs, diff, server, tool.name);
      this.#sql.event.run(server, tool.name, nowMs, 'changed', hash);
      const updated: Row = { ...row, seen_hash: hash, seen_definition: definition, changed_at: nowMs, diff };
      this.#remember(updated);
      return changed(updated);
    });
  }

  async accept(server: string, tool: string): Promise<PinRecord> {
    const nowMs = this.#now();
    return this.#write(`cannot accept tool "${tool}" on server "${server}"`, () => {
      const row = this.#sql.one.get(server, tool) as Row | undefined;
      if (row === undefined) throw notPinned(server, tool, (this.#sql.all.all() as Row[]).filter((r) => r.server === server).map(toRecord));
      if (row.seen_hash !== null) {
        this.#sql.accept.run(nowMs, server, tool);
        this.#sql.event.run(server, tool, nowMs, 'accepted', row.seen_hash);
      }
      const now = this.#sql.one.get(server, tool) as Row;
      this.#remember(now);
      return toRecord(now);
    });
  }

  async get(server: string, tool: string): Promise<PinRecord | undefined> {
    const row = (await this.#fresh()).get(key(server, tool));
    return row && toRecord(row);
  }

  async list(server?: string): Promise<PinRecord[]> {
    const rows = [...(await this.#fresh()).values()].filter((row) => server === undefined || row.server === server);
    rows.sort((a, b) => compare(a.server, b.server) || compare(a.tool, b.tool));
    return rows.map(toRecord);
  }

  async pending(): Promise<PinRecord[]> {
    return (await this.list()).filter((record) => record.status === 'changed');
  }

  /** Every recorded event of one tool, oldest first. */
  async history(server: string, tool: string): Promise<PinEvent[]> {
    return this.#read(() => this.#sql.history.all(server, tool) as PinEvent[]);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** The cache, reloaded first when another connection has committed since it was filled. */
  #fresh(): Promise<Map<string, Row>> {
    return this.#read(() => {
      const version = this.#sql.dataVersion.get() as number;
      if (version !== this.#dataVersion) {
        const rows = this.#sql.all.all() as Row[];
        this.#cache.clear();
        for (const row of rows) this.#remember(row);
        this.#dataVersion = version;
      }
      return this.#cache;
    });
  }

  #remember(row: Row): void {
    this.#cache.set(key(row.server, row.tool), row);
  }

  async #read<T>(fn: () => T): Promise<T> {
    try {
      return await retryWhileBusy(fn);
    } catch (error) {
      throw sqliteStoreError(`cannot read the pin file ${this.file}`, error);
    }
  }

  async #write<T>(what: string, fn: () => T): Promise<T> {
    try {
      return await retryWhileBusy(() => this.#db.transaction(fn).immediate());
    } catch (error) {
      throw sqliteStoreError(`${what} in ${this.file}`, error);
    }
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`it was written by a newer toolgate (schema ${version}, this one knows ${SCHEMA_VERSION}); upgrade toolgate`);
  }
  if (version === SCHEMA_VERSION) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS pins (
      server TEXT NOT NULL,
      tool TEXT NOT NULL,
      hash TEXT NOT NULL,
      definition TEXT NOT NULL,
      pinned_at INTEGER NOT NULL,
      seen_hash TEXT,
      seen_definition TEXT,
      changed_at INTEGER,
      diff TEXT,
      PRIMARY KEY (server, tool)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS pin_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      server TEXT NOT NULL,
      tool TEXT NOT NULL,
      at INTEGER NOT NULL,
      event TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS pin_events_tool ON pin_events (server, tool);
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
}

function changed(row: Row): PinCheck {
  return { status: 'changed', diff: row.diff!, pinnedAt: row.pinned_at, changedAt: row.changed_at! };
}

function toRecord(row: Row): PinRecord {
  const record: PinRecord = {
    server: row.server,
    tool: row.tool,
    hash: row.hash,
    definition: row.definition,
    pinnedAt: row.pinned_at,
    status: row.seen_hash === null ? 'ok' : 'changed',
  };
  if (row.seen_hash !== null) {
    record.changedAt = row.changed_at!;
    record.seenHash = row.seen_hash;
    record.seenDefinition = row.seen_definition!;
    record.diff = row.diff!;
  }
  return record;
}

const key = (server: string, tool: string) => `${server}\u0000${tool}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
