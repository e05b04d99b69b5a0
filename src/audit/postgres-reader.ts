/**
 * The dashboard's reader of the fleet's trail in PostgreSQL (`audit.postgres`): the same SQL as
 * the SQLite reader (`sql-reader.ts`), with numbered parameters; free text is matched with ILIKE
 * under the "C" collation, which, as SQLite's LIKE, ignores the case of ASCII letters only, so a
 * search finds the same records on both. Its own small pool, through the store (which creates
 * and migrates the table, indexes included, if no writer did yet).
 */
import { AUDIT_TABLE, fromRow, PostgresAuditStore } from './postgres-store.js';
import { SqlAuditReader } from './sql-reader.js';

export class PostgresAuditReader extends SqlAuditReader {
  constructor(url: string) {
    const store = new PostgresAuditStore(url);
    super({
      table: AUDIT_TABLE,
      placeholder: (n) => `$${n}`,
      // E'\\' is one backslash whatever standard_conforming_strings says.
      contains: (column, placeholder) => `${column} COLLATE "C" ILIKE ${placeholder} ESCAPE E'\\\\'`,
      binary: (column) => `${column} COLLATE "C"`,
      all: (what, sql, params) => store.rows(what, sql, params),
      fromRow,
      hasAgents: async () => true, // the migration adds every record column
      close: () => store.close(),
    });
  }
}
