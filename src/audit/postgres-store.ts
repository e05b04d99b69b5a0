/**
 * The fleet's audit trail in PostgreSQL (`audit.postgres.url`): every gateway instance writes its
 * batches here, and `toolgate audit` and the dashboard read from here. Same records and fields as
 * the SQLite trail, column for column (`record.ts`), in the table `toolgate_audit`.
 *
 * Writes come only from `AuditLog`, which journals each record locally first: while PostgreSQL is
 * down a batch fails, stays in the journal and is retried at every tick, and lands when the
 * server is back; `add` ignores a uid already stored, so a batch applied twice adds nothing.
 *
 * The schema is created and migrated by toolgate (under an advisory lock, so instances starting
 * together do it once): a field added to the record later becomes a nullable column.
 *
 * Following the trail cannot go by id: ids are taken when a row is inserted, not when its
 * transaction commits, so with several instances writing, id 41 may become visible after id 42
 * was read. Each row also carries the transaction that inserted it (`tx`, 64-bit, never wraps);
 * a follower keeps the snapshot it last read in and asks for the rows that snapshot could not
 * see, so a late commit is seen at the next poll, never skipped (`follow`).
 *
 * PostgreSQL text cannot hold NUL characters; they are stored as U+FFFD rather than failing the
 * batch (and every batch after it) on one hostile tool name.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import { ToolgateError } from '../errors.js';
import { COLUMNS, COLUMN_OF, type AuditPatch, type AuditRecord, type NewAuditRecord } from './record.js';
import type { AuditFollow, AuditOp, AuditQuery, AuditRetention, AuditStore } from './store.js';

const SCHEMA_VERSION = 1;
export const AUDIT_TABLE = 'toolgate_audit';
const TABLE = AUDIT_TABLE;
/** Not a record field: the transaction that inserted the row, for followers. */
const TX_COLUMN = 'tx';
/** Rows per INSERT statement (27 columns each stays well under PostgreSQL's 65,535 parameters). */
const INSERT_ROWS = 500;
/** Rows per round trip when reading a whole trail (exports). */
const PAGE = 1000;
/** Any key: instances migrating at once take turns. */
const MIGRATION_LOCK = 7_401_352_118;

const q = (column: string) => `"${column}"`;
const SQL_TYPES = { int: 'BIGINT', real: 'DOUBLE PRECISION', text: 'TEXT', json: 'TEXT', bool: 'BOOLEAN' } as const;
const REQUIRED = new Set(['uid', 'time', 'method', 'server', 'tool', 'requestId', 'decision', 'policyDecision', 'mode', 'forwarded']);
const INSERT_COLUMNS = COLUMNS.filter(([field]) => field !== 'id');

/** The client library, loaded with the first store: every command and gateway without PostgreSQL would pay its start-up. */
let pgLibrary: typeof pg | undefined;
const pgModule = () => (pgLibrary ??= createRequire(import.meta.url)('pg') as typeof pg);

export class PostgresAuditStore implements AuditStore {
  /** The server, without credentials, for messages. */
  readonly where: string;
  readonly #pool: pg.Pool;
  #ready?: Promise<void>;

  constructor(url: string) {
    this.where = describe(url);
    this.#pool = new (pgModule().Pool)({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, query_timeout: 30_000 });
    // An idle connection dropped by the server must not end the process; the next query reconnects.
    this.#pool.on('error', () => undefined);
  }

  async apply(ops: readonly AuditOp[]): Promise<void> {
    await this.#run(`cannot write ${ops.length} audit record(s)`, async (client) => {
      await client.query('BEGIN');
      try {
        for (let i = 0; i < ops.length; ) {
          const op = ops[i];
          if (op.op === 'set') {
            await update(client, op.uid, op.fields);
            i += 1;
            continue;
          }
          const adds: NewAuditRecord[] = [];
          while (i < ops.length && adds.length < INSERT_ROWS && ops[i].op === 'add') adds.push((ops[i++] as Extract<AuditOp, { op: 'add' }>).record);
          await insert(client, adds);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async query(query: AuditQuery): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    for await (const record of this.iterate(query)) records.push(record);
    return records;
  }

  /** Records oldest first; without a limit, a page at a time, for exports larger than memory. */
  async *iterate(query: AuditQuery): AsyncGenerator<AuditRecord> {
    if (query.limit !== undefined) {
      yield* await this.#select(query);
      return;
    }
    let afterId = query.afterId;
    for (;;) {
      const page = await this.#select({ ...query, afterId, limit: PAGE, newest: false });
      yield* page;
      if (page.length < PAGE) return;
      afterId = page[page.length - 1].id;
    }
  }

  async follow(query: AuditQuery, cursor?: string): Promise<AuditFollow> {
    return this.#run('cannot follow the audit trail', async (client) => {
      // One snapshot for the rows and the cursor: the next call asks for what this one could not see.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const snapshot = (await client.query('SELECT pg_current_snapshot()::text AS snapshot')).rows[0].snapshot as string;
        let select: { sql: string; params: unknown[] };
        if (cursor === undefined) select = selectSql(query);
        else {
          const { limit: _limit, newest: _newest, ...rest } = query;
          select = selectSql(rest, (param) => {
            const seen = param(cursor);
            return [`${TX_COLUMN} >= pg_snapshot_xmin(${seen}::pg_snapshot)`, `NOT pg_visible_in_snapshot(${TX_COLUMN}, ${seen}::pg_snapshot)`];
          });
        }
        const records = (await client.query(select.sql, select.params)).rows.map(fromRow);
        await client.query('COMMIT');
        return { records, cursor: snapshot };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Runs one read-only statement on the trail for the dashboard; `what` names it in errors, whose
   * hint is in `data.hint` (the admin API answers it as the hint), not in the message.
   */
  async rows(what: string, sql: string, params: readonly unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.#run(what, async (client) => (await client.query(sql, params as unknown[])).rows, 'admin');
  }

  async prune(retention: AuditRetention, nowMs: number, limit: number): Promise<number> {
    return this.#run('cannot delete old audit records', async (client) => {
      let deleted =
        (await client.query(`DELETE FROM ${TABLE} WHERE id IN (SELECT id FROM ${TABLE} WHERE time < $1 ORDER BY id LIMIT $2)`, [nowMs - retention.maxAgeMs, limit])).rowCount ?? 0;
      if (deleted < limit) {
        const cut = await client.query(`SELECT id FROM ${TABLE} ORDER BY id DESC LIMIT 1 OFFSET $1`, [retention.maxRows]);
        if (cut.rows.length > 0) {
          deleted += (await client.query(`DELETE FROM ${TABLE} WHERE id IN (SELECT id FROM ${TABLE} WHERE id <= $1 ORDER BY id LIMIT $2)`, [cut.rows[0].id, limit - deleted])).rowCount ?? 0;
        }
      }
      return deleted;
    });
  }

  /** Number of records, for tests and summaries. */
  async count(): Promise<number> {
    return this.#run('cannot count audit records', async (client) => Number((await client.query(`SELECT count(*) AS n FROM ${TABLE}`)).rows[0].n));
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }

  async #select(query: AuditQuery): Promise<AuditRecord[]> {
    const { sql, params } = selectSql(query);
    return this.#run('cannot read the audit trail', async (client) => (await client.query(sql, params)).rows.map(fromRow));
  }

  async #run<T>(what: string, operation: (client: pg.PoolClient) => Promise<T>, audience: 'log' | 'admin' = 'log'): Promise<T> {
    let client: pg.PoolClient | undefined;
    let failed = false;
    try {
      client = await this.#pool.connect();
      // A connection cut mid-query is also emitted as 'error' on the client; the query's rejection carries it.
      if (!watched.has(client)) {
        watched.add(client);
        client.on('error', () => undefined);
      }
      this.#ready ??= migrate(client);
      try {
        await this.#ready;
      } catch (error) {
        this.#ready = undefined; // tried again with the next batch
        throw error;
      }
      return await operation(client);
    } catch (error) {
      failed = true;
      throw storeError(`${what} in PostgreSQL at ${this.where}`, error, audience);
    } finally {
      client?.release(failed); // a connection that failed is closed, not reused
    }
  }
}

const watched = new WeakSet<pg.PoolClient>();

/** Index name suffix → columns: the store's filters, the dashboard's pages per agent and session, followers. */
const INDEXES: ReadonlyArray<readonly [string, string]> = [
  ['time', 'time'],
  ['server_tool', `server, ${q(COLUMN_OF.tool)}`],
  ['decision', 'decision'],
  ['tx', TX_COLUMN],
  ['agent', `${q(COLUMN_OF.agent)}, time`],
  ['session', q(COLUMN_OF.session)],
];

/** A store query as SQL, oldest first; `extra` adds conditions with the same parameters. */
function selectSql(query: AuditQuery, extra?: (param: (value: unknown) => string) => string[]): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => (params.push(value), `$${params.length}`);
  if (query.server !== undefined) where.push(`server LIKE ${param(globToLike(query.server))}`);
  if (query.tool !== undefined) where.push(`${q(COLUMN_OF.tool)} LIKE ${param(globToLike(query.tool))}`);
  if (query.agent !== undefined) where.push(`${q(COLUMN_OF.agent)} LIKE ${param(globToLike(query.agent))}`);
  if (query.decisions?.length) where.push(`decision = ANY(${param([...query.decisions])})`);
  if (query.since !== undefined) where.push(`time >= ${param(query.since)}`);
  if (query.afterId !== undefined) where.push(`id > ${param(query.afterId)}`);
  if (extra) where.push(...extra(param));
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const limit = query.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.floor(query.limit))}`;
  let sql = `SELECT * FROM ${TABLE} ${filter} ORDER BY id ${query.newest ? 'DESC' : 'ASC'} ${limit}`;
  if (query.newest) sql = `SELECT * FROM (${sql}) newest ORDER BY id ASC`;
  return { sql, params };
}

async function migrate(client: pg.PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS toolgate_schema (name TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    const found = await client.query('SELECT version FROM toolgate_schema WHERE name = $1', [TABLE]);
    const version = found.rows[0]?.version as number | undefined;
    if (version !== undefined && version > SCHEMA_VERSION) {
      throw new ToolgateError('store_error', `the table ${TABLE} was written by a newer toolgate (schema ${version}; this one knows ${SCHEMA_VERSION}); upgrade toolgate`);
    }
    const columns = COLUMNS.map(([field, column, kind]) =>
      field === 'id' ? 'id BIGSERIAL PRIMARY KEY' : `${q(column)} ${SQL_TYPES[kind]}${REQUIRED.has(field) ? ' NOT NULL' : ''}${field === 'uid' ? ' UNIQUE' : ''}`,
    );
    await client.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (\n  ${columns.join(',\n  ')}\n)`);
    const present = new Set((await client.query('SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema()', [TABLE])).rows.map((row) => row.column_name as string));
    for (const [field, column, kind] of COLUMNS) {
      if (present.has(column)) continue;
      if (REQUIRED.has(field)) throw new ToolgateError('store_error', `the table ${TABLE} has no \`${column}\` column and it cannot be added to existing records; rename the table to start a new one`);
      await client.query(`ALTER TABLE ${TABLE} ADD COLUMN ${q(column)} ${SQL_TYPES[kind]}`);
    }
    if (!present.has(TX_COLUMN)) {
      // Two steps, so an existing table is not rewritten: its rows keep a null tx (committed long
      // ago, so no follower needs them); every row inserted from now on gets its transaction.
      await client.query(`ALTER TABLE ${TABLE} ADD COLUMN ${TX_COLUMN} xid8`);
      await client.query(`ALTER TABLE ${TABLE} ALTER COLUMN ${TX_COLUMN} SET DEFAULT pg_current_xact_id()`);
    }
    // Only the missing ones: CREATE INDEX locks the table against writes even when the index
    // exists, and would queue every instance's batches behind one that is slow to commit.
    const indexes = new Set((await client.query('SELECT indexname FROM pg_indexes WHERE tablename = $1 AND schemaname = current_schema()', [TABLE])).rows.map((row) => row.indexname as string));
    for (const [name, columns] of INDEXES) {
      if (!indexes.has(`${TABLE}_${name}`)) await client.query(`CREATE INDEX ${TABLE}_${name} ON ${TABLE} (${columns})`);
    }
    await client.query('INSERT INTO toolgate_schema (name, version) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version', [TABLE, SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function insert(client: pg.PoolClient, records: NewAuditRecord[]): Promise<void> {
  const params: unknown[] = [];
  const rows = records.map((record) => {
    const values = toRow(record);
    const placeholders = values.map((value) => (params.push(value), `$${params.length}`));
    return `(${placeholders.join(', ')})`;
  });
  await client.query(`INSERT INTO ${TABLE} (${INSERT_COLUMNS.map(([, c]) => q(c)).join(', ')}) VALUES ${rows.join(', ')} ON CONFLICT (uid) DO NOTHING`, params);
}

async function update(client: pg.PoolClient, uid: string, fields: AuditPatch): Promise<void> {
  const names = Object.keys(fields).sort() as Array<keyof AuditPatch>;
  if (names.length === 0) return;
  const values = names.map((name) => textSafe(fields[name] ?? null));
  await client.query(`UPDATE ${TABLE} SET ${names.map((name, i) => `${q(COLUMN_OF[name])} = $${i + 1}`).join(', ')} WHERE uid = $${names.length + 1}`, [...values, uid]);
}

function toRow(record: NewAuditRecord): unknown[] {
  return INSERT_COLUMNS.map(([field, , kind]) => {
    const value = record[field as keyof NewAuditRecord];
    if (value === null || value === undefined) return null;
    if (kind === 'json') return JSON.stringify(value); // escapes NUL as \u0000
    return textSafe(value);
  });
}

/** A row as the table holds it, back into a record. */
export function fromRow(row: Record<string, unknown>): AuditRecord {
  const record: Record<string, unknown> = {};
  for (const [field, column, kind] of COLUMNS) {
    const value = row[column];
    if (value === null || value === undefined) record[field] = null;
    else if (kind === 'json') record[field] = JSON.parse(value as string);
    else if (kind === 'int') record[field] = Number(value); // BIGINT arrives as a string
    else record[field] = value;
  }
  return record as unknown as AuditRecord;
}

const textSafe = (value: unknown): unknown => (typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value);

/** `*` any run, `?` one character, everything else literal (as SQLite's GLOB without classes). */
function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

const UNREACHABLE = {
  log: 'PostgreSQL is unreachable; records wait in the local journal and are written when it is back',
  admin: 'PostgreSQL is unreachable: check that it runs and that audit.postgres.url points at it; calls are still served, and their records wait in each instance\'s journal until it is back',
} as const;

/** For the admin API the hint goes in `data.hint` (answered as the error's hint); in logs and the CLI it ends the message. */
function storeError(what: string, error: unknown, audience: keyof typeof UNREACHABLE): ToolgateError {
  if (error instanceof ToolgateError) return error;
  const message = (error as Error).message || String(error);
  const hint = /ECONNREFUSED|ENOTFOUND|timeout|terminat|Connection/i.test(message)
    ? UNREACHABLE[audience]
    : /does not exist/.test(message)
      ? 'create the database first (createdb), or fix the database name in audit.postgres.url'
      : /password|authentication/i.test(message)
        ? 'check the user and password in audit.postgres.url'
        : undefined;
  if (audience === 'admin') return new ToolgateError('store_error', `${what}: ${message}`, { cause: error, data: hint === undefined ? undefined : { hint } });
  return new ToolgateError('store_error', `${what}: ${message}${hint ? ` (hint: ${hint})` : ''}`, { cause: error });
}
