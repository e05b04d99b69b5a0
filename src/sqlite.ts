/**
 * How toolgate's SQLite files (pins, approvals, audit) are opened and waited on.
 *
 * better-sqlite3 runs SQLite on the event loop's thread, so while SQLite waits for a lock that
 * another process holds, nothing else in the gateway runs; with its default busy timeout that is
 * up to 5 s per statement, for every session at once. Here a statement never waits inside
 * SQLite: a locked file fails it at once with SQLITE_BUSY, and `retryWhileBusy` tries again after
 * a short pause on a timer, while the event loop serves everything else, until the caller's
 * budget is spent. A locked file costs other calls nothing, and the caller gets a prompt
 * `store_error` it can turn into a refusal.
 *
 * Measured on the 2-core test machine, one write against a file another process holds with
 * `BEGIN EXCLUSIVE`: with better-sqlite3's default the event loop stood still for 5.04 s, then
 * the write failed; with `retryWhileBusy` the longest gap between 1 ms timer ticks was 10 ms (the
 * machine's timer jitter) and the write failed after its 1 s budget, 14 attempts. A worker thread
 * would cost a copy of every row across threads for no gain at this write rate.
 */
import Database from 'better-sqlite3';
import { ToolgateError } from './errors.js';

/** How long work on a call's path (storing a hold, pinning a definition) keeps trying before the call is refused. */
export const CALL_PATH_BUDGET_MS = 1000;
/** Opening a file runs its migration once, before the gateway serves anything; it may wait longer. */
const OPEN_WAIT_MS = 2000;

/**
 * Opens `file` in WAL mode (readers never wait for the writer) and runs `setup` (schema
 * migration) with SQLite's own wait, as nothing else is being served yet; every later statement
 * fails at once on a lock (`retryWhileBusy` waits for it).
 */
export function openDatabase(file: string, options: { readonly?: boolean; fileMustExist?: boolean } = {}, setup?: (db: Database.Database) => void): Database.Database {
  const db = new Database(file, { readonly: options.readonly === true, fileMustExist: options.fileMustExist === true || options.readonly === true, timeout: OPEN_WAIT_MS });
  try {
    if (!options.readonly) db.pragma('journal_mode = WAL');
    setup?.(db);
    db.pragma('busy_timeout = 0');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Runs a synchronous SQLite operation; while it fails because another connection holds a lock,
 * tries again after a pause (5 ms, doubling to 100 ms) during which the event loop runs other
 * work, until `budgetMs` is spent. Any other error, or the last busy one, is thrown.
 */
export async function retryWhileBusy<T>(operation: () => T, budgetMs = CALL_PATH_BUDGET_MS): Promise<T> {
  const deadline = performance.now() + budgetMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      return operation();
    } catch (error) {
      if (!isBusy(error) || performance.now() + pause > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * A `store_error` saying what could not be done, SQLite's reason, and a hint for the person who
 * reads it (the agent sees it in refusals, the operator in logs).
 */
export function sqliteStoreError(what: string, error: unknown): ToolgateError {
  if (error instanceof ToolgateError) return error;
  const message = (error as Error).message;
  return new ToolgateError('store_error', `${what}: ${message}${hintFor(error) ? ` (hint: ${hintFor(error)})` : ''}`, { cause: error });
}

function hintFor(error: unknown): string | undefined {
  const code = String((error as { code?: unknown }).code ?? '');
  const message = (error as Error).message;
  if (isBusy(error)) return 'another process holds the file locked';
  if (code.startsWith('SQLITE_FULL') || code.startsWith('SQLITE_IOERR') || /disk/i.test(message)) return 'the disk is full or failing; free space in data_dir';
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || /readonly|permission/i.test(message)) return 'check that the user running toolgate can write data_dir';
  return undefined;
}
