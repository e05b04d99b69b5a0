/**
 * The dashboard's reader of the SQLite trail: a read-only connection of its own (WAL), so reads
 * never wait behind the writer's batches. A file from before agents were recorded has no agent
 * column; what asks for agents then finds nothing.
 */
import type Database from 'better-sqlite3';
import { openDatabase, sqliteStoreError } from '../sqlite.js';
import { COLUMN_OF } from './record.js';
import { SqlAuditReader } from './sql-reader.js';
import { fromRow } from './sqlite-store.js';

export class SqliteAuditReader extends SqlAuditReader {
  constructor(file: string) {
    let db: Database.Database;
    try {
      db = openDatabase(file, { readonly: true });
    } catch (error) {
      throw sqliteStoreError(`cannot open the audit file ${file}`, error);
    }
    super({
      table: 'audit',
      placeholder: () => '?',
      contains: (column, placeholder) => `${column} LIKE ${placeholder} ESCAPE '\\'`,
      binary: (column) => `${column} COLLATE BINARY`,
      async all(what, sql, params) {
        try {
          return db.prepare(sql).all(...params) as Array<Record<string, unknown>>;
        } catch (error) {
          // The gateway created the file but was stopped before its first batch.
          if (/no such table/.test((error as Error).message)) return [];
          throw sqliteStoreError(`${what} in the audit file ${file}`, error);
        }
      },
      fromRow,
      hasAgents: async () => (db.prepare("SELECT count(*) FROM pragma_table_info('audit') WHERE name = ?").pluck().get(COLUMN_OF.agent) as number) > 0,
      async close() {
        if (db.open) db.close();
      },
    });
  }
}
