/**
 * `toolgate pins`: the pinned tool definitions of a config (`pins.sqlite` in its data folder).
 * Works while the gateway runs: an accepted change is seen by the running gateway at its next
 * check, without a restart.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { classifyTool } from '../catalog/classify.js';
import { SqlitePinStore, pinsFile } from '../catalog/node/sqlite-pin-store.js';
import type { PinRecord, PinStore } from '../catalog/pins.js';
import type { ToolDefinition } from '../catalog/types.js';
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
      default:
        return await accept(store, args, cli.flag('yes'));
    }
  } finally {
    await store.close();
  }
}

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
  const rows = pins.map((p) => [p.server, p.tool, p.status === 'changed' ? 'CHANGED' : 'ok', iso(p.pinnedAt), p.changedAt === undefined ? '' : iso(p.changedAt), p.hash.slice(0, 12)]);
  const header = ['SERVER', 'TOOL', 'STATUS', 'PINNED', 'CHANGED', 'HASH'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  const pending = pins.filter((p) => p.status === 'changed').length;
  if (pending > 0) process.stdout.write(`\n${pending} changed definition(s) wait for review: toolgate pins diff, then toolgate pins accept <server> <tool>\n`);
  return 0;
}

async function diff(store: PinStore, args: string[]): Promise<number> {
  if (args.length === 0) {
    const pending = await store.pending();
    if (pending.length === 0) process.stdout.write('No pinned tool has changed.\n');
    for (const p of pending) process.stdout.write(`${p.diff}\n`);
    return 0;
  }
  const record = await one(store, args, 'diff');
  if (record.status === 'ok') {
    process.stdout.write(`${record.server}/${record.tool} is unchanged since it was pinned on ${iso(record.pinnedAt)}.\n`);
    return 0;
  }
  process.stdout.write(record.diff!);
  return 0;
}

/**
 * Shows what would be pinned — the diff, the classification before and after, and any poisoning
 * findings in the new text — and pins it only when a person says yes (or `--yes` says it for a
 * script). Without an answer (no terminal, end of input) nothing is accepted.
 */
async function accept(store: PinStore, args: string[], yes: boolean): Promise<number> {
  const before = await one(store, args, 'accept');
  if (before.status === 'ok') {
    process.stdout.write(`${before.server}/${before.tool} has not changed; it stays pinned as of ${iso(before.pinnedAt)}.\n`);
    return 0;
  }
  process.stdout.write(review(before));
  if (!yes && !(await confirmed(`Accept the new definition of ${before.server}/${before.tool}? [y/N] `))) {
    process.stdout.write(`Not accepted: ${before.server}/${before.tool} stays withheld. To accept without the question: toolgate pins accept ${before.server} ${before.tool} --yes\n`);
    return 1;
  }
  const after = await store.accept(before.server, before.tool);
  process.stdout.write(`Accepted: ${after.server}/${after.tool} is now pinned to its new definition (${after.hash.slice(0, 12)}).\n`);
  return 0;
}

/** The diff, the class before and after, and the poisoning findings of the new definition. */
function review(record: PinRecord): string {
  const pinned = JSON.parse(record.definition) as ToolDefinition;
  const seen = JSON.parse(record.seenDefinition ?? record.definition) as ToolDefinition;
  const was = classifyTool(pinned, record.server);
  const now = classifyTool(seen, record.server);
  const lines = [record.diff ?? '', ''];
  const moved = was.category !== now.category || was.risk !== now.risk;
  lines.push(`Class: ${was.category}/${was.risk}${moved ? ` -> ${now.category}/${now.risk} (changed)` : ' (unchanged)'}`);
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

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
