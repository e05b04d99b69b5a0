/**
 * Pins in one SQLite file (`pins.sqlite` in the config's `data_dir`, WAL), shared by every
 * toolgate process on the config: the gateway, `toolgate stdio` per client, and `toolgate pins`
 * accepting or rejecting a change while they run.
 *
 * Checks run on every `tools/list` the gateway passes on, so they read an in-memory copy of the
 * pins and write only when something changes (first sight, a new definition, a revert, a
 * removal). Other processes' writes are noticed through `PRAGMA data_version`, which changes
 * exactly when another connection commits; the copy is then reloaded. A move is decided inside an
 * IMMEDIATE transaction on the row as stored, so two processes seeing the same new definition
 * record it once.
 *
 * Each tool's record is one row holding the record as JSON (the shape the Redis store keeps too);
 * `pinned_servers` says which servers had a complete listing pinned.
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
import { isPending, type ListingCheck, type PinCheck, type PinRecord, type PinStore, type PinnableTool } from '../pins.js';
import { accept, compareRecords, notPinned, observe, reject, remove, seenDefinition, type PinEventKind, type PinMove, type SeenDefinition } from './pin-common.js';

const SCHEMA_VERSION = 2;

/** The pin file of a config: `pins.sqlite` in its data folder. */
export function pinsFile(config: { dataDir: string }): string {
  return join(config.dataDir, 'pins.sqlite');
}

export interface SqlitePinStoreOptions {
  /** The clock that stamps what is recorded (`pinnedAt`, `changedAt`, ...). */
  now: () => number;
  /** For readers (`toolgate pins list`): fail instead of creating a missing file. */
  fileMustExist?: boolean;
}

/** One event in a tool's pin history; kept for people, never read by checks. */
export interface PinEvent {
  server: string;
  tool: string;
  at: number;
  event: PinEventKind;
  hash: string;
}

export class SqlitePinStore implements PinStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  /** server -> tool -> record, as of `#dataVersion`. */
  readonly #cache = new Map<string, Map<string, PinRecord>>();
  readonly #pinnedServers = new Set<string>();
  #dataVersion = -1;
  readonly #sql: {
    dataVersion: Database.Statement;
    all: Database.Statement;
    servers: Database.Statement;
    one: Database.Statement;
    ofServer: Database.Statement;
    serverPinned: Database.Statement;
    pinServer: Database.Statement;
    put: Database.Statement;
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
        all: this.#db.prepare('SELECT record FROM pin_records').pluck(),
        servers: this.#db.prepare('SELECT server FROM pinned_servers').pluck(),
        one: this.#db.prepare('SELECT record FROM pin_records WHERE server = ? AND tool = ?').pluck(),
        ofServer: this.#db.prepare('SELECT record FROM pin_records WHERE server = ?').pluck(),
        serverPinned: this.#db.prepare('SELECT 1 FROM pinned_servers WHERE server = ?').pluck(),
        pinServer: this.#db.prepare('INSERT INTO pinned_servers (server, pinned_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
        put: this.#db.prepare('INSERT INTO pin_records (server, tool, record) VALUES (?, ?, ?) ON CONFLICT (server, tool) DO UPDATE SET record = excluded.record'),
        event: this.#db.prepare('INSERT INTO pin_events (server, tool, at, event, hash) VALUES (?, ?, ?, ?, ?)'),
        history: this.#db.prepare('SELECT server, tool, at, event, hash FROM pin_events WHERE server = ? AND tool = ? ORDER BY id'),
      };
    } catch (error) {
      throw sqliteStoreError(`cannot open the pin file ${file}`, error);
    }
  }

  async check(server: string, tool: PinnableTool): Promise<PinCheck> {
    await this.#fresh();
    return this.#observe(server, seenDefinition(tool));
  }

  async checkListing(server: string, tools: readonly PinnableTool[], complete: boolean): Promise<ListingCheck> {
    await this.#fresh();
    const checks: PinCheck[] = [];
    for (const tool of tools) checks.push(await this.#observe(server, seenDefinition(tool)));
    if (!complete) return { checks, removed: [] };
    const listed = new Set(tools.map((tool) => tool.name));
    const missing = [...(this.#cache.get(server)?.values() ?? [])].some((pin) => !listed.has(pin.tool) && pin.status !== 'removed');
    if (this.#pinnedServers.has(server) && !missing) return { checks, removed: [] };
    const nowMs = this.#now();
    const removed = await this.#write(`cannot record the tools of server "${server}"`, () => {
      this.#sql.pinServer.run(server, nowMs);
      this.#pinnedServers.add(server);
      const moves: PinRecord[] = [];
      for (const text of this.#sql.ofServer.all(server) as string[]) {
        const pin = JSON.parse(text) as PinRecord;
        const move = listed.has(pin.tool) ? undefined : remove(pin, nowMs);
        if (move) moves.push(this.#store(move));
      }
      return moves;
    });
    return { checks, removed };
  }

  async accept(server: string, tool: string): Promise<PinRecord> {
    return this.#decide(server, tool, 'accept', accept);
  }

  async reject(server: string, tool: string): Promise<PinRecord> {
    return this.#decide(server, tool, 'reject', reject);
  }

  async get(server: string, tool: string): Promise<PinRecord | undefined> {
    const pin = (await this.#fresh()).get(server)?.get(tool);
    return pin && { ...pin };
  }

  async list(server?: string): Promise<PinRecord[]> {
    const cache = await this.#fresh();
    const servers = server === undefined ? [...cache.values()] : [cache.get(server) ?? new Map<string, PinRecord>()];
    return servers.flatMap((tools) => [...tools.values()]).sort(compareRecords).map((p) => ({ ...p }));
  }

  async pending(): Promise<PinRecord[]> {
    return (await this.list()).filter(isPending);
  }

  /** Every recorded event of one tool, oldest first. */
  async history(server: string, tool: string): Promise<PinEvent[]> {
    return this.#read(() => this.#sql.history.all(server, tool) as PinEvent[]);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** Answers from the cache when nothing changes; otherwise decides again on the stored row, in a transaction. */
  async #observe(server: string, seen: SeenDefinition): Promise<PinCheck> {
    const cached = this.#cache.get(server)?.get(seen.name);
    const nowMs = this.#now();
    const guess = observe(cached, server, seen, nowMs, this.#pinnedServers.has(server));
    if (guess.next === cached) return guess.answer;
    return this.#write(`cannot record the definition of tool "${seen.name}" on server "${server}"`, () => {
      const move = observe(this.#stored(server, seen.name), server, seen, nowMs, this.#sql.serverPinned.get(server) !== undefined);
      this.#store(move);
      return move.answer;
    });
  }

  async #decide(server: string, tool: string, what: string, decide: (pin: PinRecord, now: number) => PinMove<PinRecord>): Promise<PinRecord> {
    const nowMs = this.#now();
    return this.#write(`cannot ${what} tool "${tool}" on server "${server}"`, () => {
      const pin = this.#stored(server, tool);
      if (pin === undefined) throw notPinned(server, tool, (this.#sql.ofServer.all(server) as string[]).map((text) => JSON.parse(text) as PinRecord).sort(compareRecords));
      return { ...this.#store(decide(pin, nowMs)) };
    });
  }

  #stored(server: string, tool: string): PinRecord | undefined {
    const text = this.#sql.one.get(server, tool) as string | undefined;
    const pin = text === undefined ? undefined : (JSON.parse(text) as PinRecord);
    if (pin) this.#remember(pin);
    return pin;
  }

  /** Writes a move that changed the record (inside a transaction), with its event. */
  #store(move: PinMove<unknown>): PinRecord {
    const { next } = move;
    if (move.event !== undefined) {
      this.#sql.put.run(next.server, next.tool, JSON.stringify(next));
      this.#sql.event.run(next.server, next.tool, this.#now(), move.event, eventHash(move));
    }
    this.#remember(next);
    return next;
  }

  /** The cache, reloaded first when another connection has committed since it was filled. */
  #fresh(): Promise<Map<string, Map<string, PinRecord>>> {
    return this.#read(() => {
      const version = this.#sql.dataVersion.get() as number;
      if (version !== this.#dataVersion) {
        const records = (this.#sql.all.all() as string[]).map((text) => JSON.parse(text) as PinRecord);
        const servers = this.#sql.servers.all() as string[];
        this.#cache.clear();
        for (const pin of records) this.#remember(pin);
        this.#pinnedServers.clear();
        for (const server of servers) this.#pinnedServers.add(server);
        this.#dataVersion = version;
      }
      return this.#cache;
    });
  }

  #remember(pin: PinRecord): void {
    let tools = this.#cache.get(pin.server);
    if (!tools) this.#cache.set(pin.server, (tools = new Map()));
    tools.set(pin.tool, pin);
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

/** The hash an event is about, for histories: the new definition, or the pin for a removal or return. */
function eventHash(move: PinMove<unknown>): string {
  const { next } = move;
  if (move.event === 'removed' || move.event === 'returned' || move.event === 'reverted' || move.event === 'pinned' || move.event === 'accepted') return next.hash ?? '';
  return next.seenHash ?? next.hash ?? '';
}

interface V1Row {
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

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`it was written by a newer toolgate (schema ${version}, this one knows ${SCHEMA_VERSION}); upgrade toolgate`);
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS pin_records (
        server TEXT NOT NULL,
        tool TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (server, tool)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS pinned_servers (
        server TEXT PRIMARY KEY,
        pinned_at INTEGER NOT NULL
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
    `);
    if (version === 1) {
      // Schema 1 kept columns per field and no server records; every server it pinned had been listed whole.
      const put = db.prepare('INSERT INTO pin_records (server, tool, record) VALUES (?, ?, ?)');
      for (const row of db.prepare('SELECT * FROM pins').all() as V1Row[]) put.run(row.server, row.tool, JSON.stringify(fromV1(row)));
      db.exec('INSERT INTO pinned_servers (server, pinned_at) SELECT server, min(pinned_at) FROM pins GROUP BY server; DROP TABLE pins;');
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

function fromV1(row: V1Row): PinRecord {
  const pin: PinRecord = { server: row.server, tool: row.tool, hash: row.hash, definition: row.definition, pinnedAt: row.pinned_at, status: row.seen_hash === null ? 'ok' : 'changed' };
  if (row.seen_hash === null) return pin;
  return { ...pin, seenHash: row.seen_hash, seenDefinition: row.seen_definition!, changedAt: row.changed_at!, diff: row.diff! };
}
