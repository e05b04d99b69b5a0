/**
 * `toolgate pins`: the pinned tool definitions of a config (`pins.sqlite` in its data folder).
 * Works while the gateway runs: an accepted change is seen by the running gateway at its next
 * check, without a restart.
 */
import { existsSync } from 'node:fs';
import { SqlitePinStore, pinsFile } from '../catalog/node/sqlite-pin-store.js';
import type { PinRecord, PinStore } from '../catalog/pins.js';
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
        return await accept(store, args);
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

async function accept(store: PinStore, args: string[]): Promise<number> {
  const before = await one(store, args, 'accept');
  if (before.status === 'ok') {
    process.stdout.write(`${before.server}/${before.tool} has not changed; it stays pinned as of ${iso(before.pinnedAt)}.\n`);
    return 0;
  }
  const after = await store.accept(before.server, before.tool);
  process.stdout.write(`Accepted: ${after.server}/${after.tool} is now pinned to its new definition (${after.hash.slice(0, 12)}).\n`);
  return 0;
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
