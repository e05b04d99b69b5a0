/**
 * `toolgate audit`: reads the audit file directly (read-only), so it works while the gateway
 * runs, and on a machine where it does not. Records reach the file in batches (every ~100 ms);
 * `--follow` polls for new ones. With `audit.postgres` it reads the fleet's trail there.
 */
import { existsSync } from 'node:fs';
import { auditFile, journalDirFor, openAuditReader } from '../audit/audit-log.js';
import { orphanSegments } from '../audit/journal.js';
import { AUDIT_DECISIONS, exportRecord, type AuditDecision, type AuditRecord } from '../audit/record.js';
import type { AuditQuery } from '../audit/store.js';
import { AUDIT_DEFAULTS } from '../config/build.js';
import { parseDuration } from '../config/duration.js';
import { loadConfig } from '../config/load.js';
import { suggestHint } from '../config/suggest.js';
import { ToolgateError } from '../errors.js';
import type { CommandArgs } from './command.js';

const FOLLOW_POLL_MS = 500;

export async function auditCommand(args: CommandArgs): Promise<number> {
  if (args.positionals.length > 0) {
    throw new ToolgateError('invalid_request', `toolgate ${args.command} takes no argument "${args.positionals[0]}" (see toolgate audit --help)`);
  }
  const exporting = args.subcommand === 'export';
  const [server, tool, agent, decision, since, limitText] = ['server', 'tool', 'agent', 'decision', 'since', 'limit'].map((name) => args.string(name));
  const query: AuditQuery = {
    ...(server === undefined ? {} : { server }),
    ...(tool === undefined ? {} : { tool }),
    ...(agent === undefined ? {} : { agent }),
    ...(decision === undefined ? {} : { decisions: parseDecisions(decision) }),
    ...(since === undefined ? {} : { since: parseSince(since, Date.now()) }),
  };
  const limit = limitText === undefined ? (exporting ? undefined : 50) : parseLimit(limitText);
  if (limit !== undefined) Object.assign(query, { limit, newest: true });

  const configFile = args.string('config')!;
  const config = await loadConfig(configFile);
  if (!(config.audit ?? AUDIT_DEFAULTS).enabled) {
    throw new ToolgateError('store_error', `the audit trail is off in ${config.file} (audit.enabled: false), so there is nothing to read`);
  }
  const file = auditFile(config);
  const fleet = (config.audit ?? AUDIT_DEFAULTS).postgres !== undefined;
  if (!fleet && !existsSync(file)) {
    throw new ToolgateError('store_error', `there is no audit file at ${file} yet (hint: it is created when the gateway first starts: toolgate serve -c ${configFile})`);
  }
  const unreplayed = orphanSegments(journalDirFor(file)).length;
  if (unreplayed > 0) {
    process.stderr.write(`toolgate: note: ${unreplayed} journal segment(s) of a gateway that stopped abruptly are not in the audit file yet; the next gateway start adds them\n`);
  }

  const store = openAuditReader(config);
  const out = new Output(exporting || args.flag('json'));
  try {
    if (!args.flag('follow') || exporting) {
      for await (const record of store.iterate(query)) await out.write(record);
      return out.done();
    }
    // Followed by the store's cursor, not by id or time: in PostgreSQL, instances commit out of id order.
    let { records, cursor } = await store.follow(query);
    for (let stop = stopSignal(); ; ) {
      for (const record of records) await out.write(record);
      if (stop.stopped || out.closed) break;
      await stop.sleep(FOLLOW_POLL_MS);
      ({ records, cursor } = await store.follow(query, cursor));
    }
    return out.done();
  } finally {
    await store.close();
  }
}

function parseDecisions(text: string): AuditDecision[] {
  return text.split(',').map((d) => {
    const decision = d.trim();
    if (!(AUDIT_DECISIONS as readonly string[]).includes(decision)) {
      throw new ToolgateError('invalid_request', `--decision: \`${decision}\` is not a decision (hint: ${suggestHint(decision, AUDIT_DECISIONS, 'decisions')})`);
    }
    return decision as AuditDecision;
  });
}

/** `--since 1h` (a duration back from now) or `--since 2026-05-01T09:00Z` (a moment). */
export function parseSince(text: string, nowMs: number): number {
  if (/^\d{4}-\d\d-\d\d/.test(text)) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) throw new ToolgateError('invalid_request', `--since: \`${text}\` is not a date (hint: write an ISO date such as 2026-05-01 or 2026-05-01T09:00Z)`);
    return at;
  }
  try {
    return nowMs - parseDuration(text);
  } catch (error) {
    throw new ToolgateError('invalid_request', `--since: ${(error as Error).message}`);
  }
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ToolgateError('invalid_request', `--limit takes a whole number of records (1 or more), not "${text}"`);
  return n;
}

/** SIGINT/SIGTERM end `--follow` cleanly, between polls. */
function stopSignal(): { readonly stopped: boolean; sleep(ms: number): Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    get stopped() {
      return stopped;
    },
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
  };
}

/** Writes records as JSON lines or table rows, waiting when stdout is full; ends quietly when the reader goes away (`| head`). */
class Output {
  readonly #json: boolean;
  #header = false;
  #closed = false;
  #count = 0;

  constructor(json: boolean) {
    this.#json = json;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.#closed = true;
      else throw error;
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  async write(record: AuditRecord): Promise<void> {
    if (this.#closed) return;
    this.#count++;
    let text = '';
    if (this.#json) text = `${JSON.stringify(exportRecord(record))}\n`;
    else {
      if (!this.#header) text += `${row(HEADER)}\n`;
      this.#header = true;
      text += `${row(tableCells(record))}\n`;
    }
    if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }

  done(): number {
    if (!this.#json && this.#count === 0) process.stderr.write('toolgate: no audit records match\n');
    return 0;
  }
}

const HEADER = ['ID', 'TIME (UTC)', 'SERVER', 'TOOL', 'DECISION', 'RULE', 'UPSTREAM', 'REASON / ERROR'];
const WIDTHS = [6, 23, 14, 24, 20, 28, 9, 0];

function row(cells: string[]): string {
  return cells
    .map((cell, i) => {
      const width = WIDTHS[i];
      if (width === 0) return cell;
      const fitted = cell.length > width ? `${cell.slice(0, width - 1)}…` : cell;
      return i === 0 || i === 6 ? fitted.padStart(width) : fitted.padEnd(width);
    })
    .join('  ')
    .trimEnd();
}

function tableCells(r: AuditRecord): string[] {
  const upstream = r.upstreamMs === null ? (r.forwarded && r.outcome === null ? 'running' : '-') : `${r.upstreamMs.toFixed(1)}ms`;
  const detail =
    r.reason ??
    (r.decision === 'hidden' ? 'answered as an unknown tool' : r.errorMessage ? `${r.errorType}: ${r.errorMessage}` : (r.errorType ?? ''));
  return [
    String(r.id),
    new Date(r.time).toISOString().replace('T', ' ').slice(0, 23),
    r.server,
    r.tool,
    r.decision,
    `${r.rulePattern} (${r.rulePart})`,
    upstream,
    detail.replace(/\s+/g, ' '),
  ];
}
