/**
 * `toolgate pins`: the pinned tool definitions of a config (`pins.sqlite` in its data folder, or
 * the fleet's Redis). Works while the gateway runs: an accepted or rejected change is seen by the
 * running gateway at its next check, without a restart. Decisions go into the audit trail under
 * the name of who made them (`--as`, default `cli:<login>`).
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { openAuditLog } from '../audit/audit-log.js';
import { pinDecisionEvent, type PinAuditEvent } from '../audit/record.js';
import { classifyTool } from '../catalog/classify.js';
import { SqlitePinStore, pinsFile } from '../catalog/node/sqlite-pin-store.js';
import { isPending, type PinRecord, type PinStore } from '../catalog/pins.js';
import type { ToolDefinition } from '../catalog/types.js';
import type { Config } from '../config/types.js';
import { loadConfig } from '../config/load.js';
import { ToolgateError } from '../errors.js';
import { openSharedPinStore } from '../store/stores.js';
import type { CommandArgs } from './command.js';

export async function pinsCommand(cli: CommandArgs): Promise<number> {
  const sub = cli.subcommand!;
  const args = cli.positionals;
  const configFile = cli.string('config')!;
  const config = await loadConfig(configFile);
  const file = pinsFile(config);
  const shared = openSharedPinStore(config, Date.now);
  if (!shared && !existsSync(file)) {
    if (sub === 'list' || (sub === 'diff' && args.length === 0)) {
      process.stdout.write(`Nothing is pinned yet: ${file} does not exist (tools are pinned when the gateway first lists them).\n`);
      return 0;
    }
    throw new ToolgateError('store_error', `nothing is pinned yet: ${file} does not exist (hint: tools are pinned when the gateway first lists them; start it with toolgate serve -c ${configFile})`);
  }
  const store = shared ?? new SqlitePinStore(file, { fileMustExist: true, now: Date.now });
  try {
    switch (sub) {
      case 'list':
        return await list(store, cli.string('server'), cli.flag('json'));
      case 'diff':
        return await diff(store, args);
      default: {
        const decision = { config, store, operator: cli.string('as') ?? cliUser(), yes: cli.flag('yes') };
        return await (sub === 'reject' ? rejectCommand(decision, args) : acceptCommand(decision, args));
      }
    }
  } finally {
    await store.close();
  }
}

const STATUS_SHOWN: Record<PinRecord['status'], string> = { ok: 'ok', changed: 'CHANGED', added: 'ADDED', rejected: 'REJECTED', removed: 'removed' };

async function list(store: PinStore, server: string | undefined, json: boolean): Promise<number> {
  const pins = await store.list(server);
  if (json) {
    process.stdout.write(`${JSON.stringify(pins.map(({ definition, seenDefinition, ...rest }) => rest), null, 2)}\n`);
    return 0;
  }
  if (pins.length === 0) {
    process.stdout.write(server === undefined ? 'Nothing is pinned yet.\n' : `Nothing is pinned on server "${server}".\n`);
    return 0;
  }
  const rows = pins.map((p) => [p.server, p.tool, STATUS_SHOWN[p.status], optionalIso(p.pinnedAt), optionalIso(p.changedAt ?? p.removedAt), p.hash?.slice(0, 12) ?? '-']);
  const header = ['SERVER', 'TOOL', 'STATUS', 'PINNED', 'CHANGED', 'HASH'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  const pending = pins.filter(isPending);
  const changed = pending.filter((p) => p.status === 'changed').length;
  const added = pending.length - changed;
  if (pending.length > 0) {
    const what = [changed > 0 ? `${changed} changed definition(s)` : '', added > 0 ? `${added} added tool(s)` : ''].filter(Boolean).join(' and ');
    process.stdout.write(`\n${what} wait for review: toolgate pins diff, then toolgate pins accept (or reject) <server> <tool>\n`);
  }
  const removed = pins.filter((p) => p.status === 'removed').length;
  if (removed > 0) process.stdout.write(`${removed} pinned tool(s) no longer listed by their server (removed); their pins are kept in case they come back\n`);
  return 0;
}

async function diff(store: PinStore, args: string[]): Promise<number> {
  if (args.length === 0) {
    const pins = await store.list();
    const pending = pins.filter(isPending);
    const removed = pins.filter((p) => p.status === 'removed');
    if (pending.length === 0 && removed.length === 0) process.stdout.write('No pinned tool has changed.\n');
    for (const p of pending) process.stdout.write(`${p.diff}\n`);
    for (const p of removed) process.stdout.write(`${removedLine(p)}\n`);
    return 0;
  }
  const record = await one(store, args, 'diff');
  if (record.status === 'removed') {
    process.stdout.write(`${removedLine(record)}\n`);
    return 0;
  }
  if (record.status === 'ok') {
    process.stdout.write(`${record.server}/${record.tool} is unchanged since it was pinned on ${iso(record.pinnedAt!)}.\n`);
    return 0;
  }
  if (record.status === 'rejected') process.stdout.write(`Rejected on ${iso(record.rejectedAt!)}: this definition stays blocked.\n`);
  process.stdout.write(record.diff!);
  return 0;
}

const removedLine = (p: PinRecord) => `${p.server}/${p.tool}: no longer listed by its server since ${iso(p.removedAt!)} (removed); its pin is kept: the same definition coming back is ok, a different one is a change`;

interface Decision {
  config: Config;
  store: PinStore;
  operator: string;
  yes: boolean;
}

/**
 * Shows what would be pinned — the diff, the classification before and after, and any poisoning
 * findings in the new text — and pins it only when a person says yes (or `--yes` says it for a
 * script). Without an answer (no terminal, end of input) nothing is accepted.
 */
async function acceptCommand({ config, store, operator, yes }: Decision, args: string[]): Promise<number> {
  const before = await one(store, args, 'accept');
  const name = `${before.server}/${before.tool}`;
  if (!isPending(before) && before.status !== 'rejected') {
    process.stdout.write(before.status === 'removed' ? `${removedLine(before)}; there is nothing to accept.\n` : `${name} has not changed; it stays pinned as of ${iso(before.pinnedAt!)}.\n`);
    return 0;
  }
  process.stdout.write(review(before));
  if (!yes && !(await confirmed(`Accept the new definition of ${name}? [y/N] `))) {
    process.stdout.write(`Not accepted: ${name} stays withheld. To accept without the question: toolgate pins accept ${before.server} ${before.tool} --yes\n`);
    return 1;
  }
  const after = await store.accept(before.server, before.tool);
  process.stdout.write(`Accepted: ${name} is now pinned to its new definition (${after.hash!.slice(0, 12)}).\n`);
  return audited(config, pinDecisionEvent('accepted', before, after, operator, Date.now()));
}

/** The same review, then the definition waiting is blocked for good (it leaves the queue) when a person says yes. */
async function rejectCommand({ config, store, operator, yes }: Decision, args: string[]): Promise<number> {
  const before = await one(store, args, 'reject');
  const name = `${before.server}/${before.tool}`;
  if (!isPending(before)) {
    const state = before.status === 'rejected' ? `was already rejected on ${iso(before.rejectedAt!)}` : before.status === 'removed' ? 'is no longer listed by its server' : 'has not changed';
    process.stdout.write(`${name} ${state}; there is nothing waiting to reject.\n`);
    return 0;
  }
  process.stdout.write(review(before));
  if (!yes && !(await confirmed(`Reject the new definition of ${name}? It stays blocked. [y/N] `))) {
    process.stdout.write(`Not rejected: ${name} still waits for review. To reject without the question: toolgate pins reject ${before.server} ${before.tool} --yes\n`);
    return 1;
  }
  const after = await store.reject(before.server, before.tool);
  const kept = after.hash === undefined ? 'it stays unavailable' : `it stays pinned to ${after.hash.slice(0, 12)}`;
  process.stdout.write(`Rejected: the new definition of ${name} (${after.rejectedHash!.slice(0, 12)}) stays blocked; ${kept}. Another definition from the server would wait for review again.\n`);
  return audited(config, pinDecisionEvent('rejected', before, after, operator, Date.now()));
}

/**
 * Writes the decision to the config's audit trail (through its journal, like the gateway). When
 * the audit store cannot take it now, the record stays in the journal for the next process that
 * opens the trail, and the exit code says so.
 */
async function audited(config: Config, event: PinAuditEvent): Promise<number> {
  const audit = openAuditLog(config, pino({ level: 'silent' }));
  if (!audit) return 0;
  audit.recordPin(event);
  await audit.close();
  if (audit.stats.pending === 0) return 0;
  process.stderr.write(`toolgate: the decision is made, but its audit record could not be written to the audit store now; it is kept in the audit journal and written by the next toolgate process that opens the trail\n`);
  return 1;
}

/** The diff, the class before and after, and the poisoning findings of the new definition. */
function review(record: PinRecord): string {
  const seen = JSON.parse(record.seenDefinition!) as ToolDefinition;
  const now = classifyTool(seen, record.server);
  const lines = [record.diff ?? '', ''];
  if (record.definition === undefined) lines.push(`New tool: it appeared after the tools of server "${record.server}" were pinned. Class: ${now.category}/${now.risk}`);
  else {
    const was = classifyTool(JSON.parse(record.definition) as ToolDefinition, record.server);
    const moved = was.category !== now.category || was.risk !== now.risk;
    lines.push(`Class: ${was.category}/${was.risk}${moved ? ` -> ${now.category}/${now.risk} (changed)` : ' (unchanged)'}`);
  }
  const poisoning = now.findings.filter((f) => f.kind === 'poisoning');
  if (poisoning.length === 0) lines.push('Poisoning findings in the new definition: none.');
  else {
    lines.push(`WARNING: ${poisoning.length} poisoning finding(s) in the new definition:`);
    for (const f of poisoning) lines.push(`  - ${f.message}`);
  }
  return `${lines.join('\n')}\n\n`;
}

/** One line from stdin, terminal or pipe; "y" or "yes" is a yes, anything else (or nothing) a no. */
async function confirmed(question: string): Promise<boolean> {
  process.stdout.write(question);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    if (!process.stdin.isTTY) process.stdout.write('\n');
    return /^\s*y(?:es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

async function one(store: PinStore, args: string[], sub: string): Promise<PinRecord> {
  if (args.length !== 2) throw new ToolgateError('invalid_request', `toolgate pins ${sub} takes a server id and a tool name, e.g. toolgate pins ${sub} aws-ecs build_and_push_image_to_ecr`);
  const [server, tool] = args;
  const record = await store.get(server, tool);
  if (record === undefined) {
    const known = (await store.list(server)).map((p) => p.tool);
    const hint = known.length > 0 ? `pinned tools on "${server}": ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}` : `nothing is pinned on server "${server}"`;
    throw new ToolgateError('invalid_request', `tool "${tool}" on server "${server}" is not pinned; ${hint}`);
  }
  return record;
}

/** Who runs the CLI, for the audit trail: `cli:<login>` (just `cli` where the login cannot be read). */
function cliUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const optionalIso = (ms: number | undefined) => (ms === undefined ? '' : iso(ms));
