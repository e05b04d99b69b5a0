/**
 * What every command shares: how it is described (name, summary, usage, options, subcommands),
 * how its arguments are parsed, and how its `--help` is written. A command's own module is
 * imported only when the command runs, so this file imports nothing of toolgate but errors.
 */
import { parseArgs } from 'node:util';
import { ToolgateError } from '../errors.js';

export interface OptionSpec {
  name: string;
  short?: string;
  /** The value's placeholder in help (`FILE`, `N`); an option without one is a flag. */
  value?: string;
  /** Repeatable: every value is kept. */
  multiple?: boolean;
  default?: string;
  /** One or more lines; continuation lines are indented under the first. */
  help: string;
}

export interface SubcommandSpec {
  name: string;
  summary: string;
  usage: string[];
  description?: string;
  /** The names of the command's options this subcommand takes (`help` always). */
  options: string[];
}

export interface CommandSpec {
  name: string;
  /** One line for the global help. */
  summary: string;
  /** Usage lines, each starting with `toolgate <name>`. */
  usage: string[];
  description?: string;
  options: OptionSpec[];
  subcommands?: SubcommandSpec[];
  /** The command also runs without a subcommand (`toolgate audit` beside `toolgate audit export`). */
  subcommandOptional?: boolean;
  /** Imports the command's module and runs it. */
  run(args: CommandArgs): Promise<number>;
}

/** A mistake on the command line: the message (starting `toolgate <command>`) names it and the `--help` to read; exit code 2. */
export class UsageError extends ToolgateError {
  constructor(message: string) {
    super('invalid_request', message);
    this.name = 'UsageError';
  }
}

const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', help: 'Show this help' };

/** A command's parsed arguments: options by their long name, positionals after the subcommand. */
export class CommandArgs {
  /** `approvals approve`: for messages. */
  readonly command: string;
  readonly subcommand: string | undefined;
  readonly positionals: string[];
  readonly #values: Record<string, string | boolean | string[] | undefined>;

  constructor(command: string, subcommand: string | undefined, positionals: string[], values: Record<string, string | boolean | string[] | undefined>) {
    this.command = subcommand === undefined ? command : `${command} ${subcommand}`;
    this.subcommand = subcommand;
    this.positionals = positionals;
    this.#values = values;
  }

  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === 'string' ? value : undefined;
  }

  flag(name: string): boolean {
    return this.#values[name] === true;
  }

  strings(name: string): string[] {
    const value = this.#values[name];
    return Array.isArray(value) ? value : [];
  }

  /** `-p, --port`: a whole number from 0 to 65535, if given. */
  port(): number | undefined {
    const text = this.string('port');
    if (text === undefined) return undefined;
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`toolgate ${this.command}: --port takes a whole number from 0 to 65535, not "${text}"`);
    return port;
  }
}

export type Parsed = { help: true; text: string } | { help: false; args: CommandArgs };

/**
 * Parses one command's arguments against its spec. `--help` (anywhere) gives the help of the
 * command, or of its subcommand when one is named. Options a subcommand does not take, unknown
 * options and missing values are usage errors naming the option and the help to read.
 */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const options = [...spec.options, HELP_OPTION];
  const { tokens } = parseArgs({ args: argv, options: parseArgsOptions(options), allowPositionals: true, strict: false, tokens: true });
  const positionals = tokens.filter((t) => t.kind === 'positional').map((t) => t.value);
  const sub = spec.subcommands?.find((s) => s.name === positionals[0]);
  const label = sub ? `${spec.name} ${sub.name}` : spec.name;
  const helpOf = `toolgate ${label} --help`;
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true, text: sub ? subcommandHelp(spec, sub) : commandHelp(spec) };

  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const option of options) if (option.default !== undefined) values[option.name] = option.default;
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = options.find((o) => o.name === token.name);
    if (option === undefined) throw new UsageError(`toolgate ${label}: unknown option ${token.rawName} (see ${helpOf})`);
    if (sub && !sub.options.includes(option.name)) {
      throw new UsageError(`toolgate ${label} does not take ${token.rawName} (see ${helpOf})`);
    }
    if (option.value === undefined) {
      if (token.value !== undefined) throw new UsageError(`toolgate ${label}: ${token.rawName} takes no value (see ${helpOf})`);
      values[option.name] = true;
    } else {
      if (token.value === undefined) throw new UsageError(`toolgate ${label}: ${token.rawName} needs a value: ${token.rawName} ${option.value} (see ${helpOf})`);
      values[option.name] = option.multiple ? [...((values[option.name] as string[] | undefined) ?? []), token.value] : token.value;
    }
  }

  if (spec.subcommands === undefined) return { help: false, args: new CommandArgs(spec.name, undefined, positionals, values) };
  if (sub) return { help: false, args: new CommandArgs(spec.name, sub.name, positionals.slice(1), values) };
  const names = spec.subcommands.map((s) => s.name);
  if (positionals.length > 0) {
    throw new UsageError(`toolgate ${spec.name} has no subcommand "${positionals[0]}"; use ${orList(names)} (see toolgate ${spec.name} --help)`);
  }
  if (!spec.subcommandOptional) throw new UsageError(`toolgate ${spec.name} needs a subcommand: ${orList(names)} (see toolgate ${spec.name} --help)`);
  return { help: false, args: new CommandArgs(spec.name, undefined, positionals, values) };
}

function parseArgsOptions(options: OptionSpec[]) {
  return Object.fromEntries(
    options.map((o) => [o.name, { type: o.value === undefined ? ('boolean' as const) : ('string' as const), ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
}

export function commandHelp(spec: CommandSpec): string {
  const parts = [usageBlock(spec.usage)];
  if (spec.description) parts.push(spec.description);
  if (spec.subcommands) {
    const width = Math.max(...spec.subcommands.map((s) => s.name.length));
    parts.push(['Subcommands (each has its own --help):', ...spec.subcommands.map((s) => `  ${s.name.padEnd(width)}   ${s.summary}`)].join('\n'));
  }
  parts.push(optionsBlock([...spec.options, HELP_OPTION]));
  return `${parts.join('\n\n')}\n`;
}

export function subcommandHelp(spec: CommandSpec, sub: SubcommandSpec): string {
  const options = spec.options.filter((o) => sub.options.includes(o.name));
  const parts = [usageBlock(sub.usage), sub.description ?? sub.summary, optionsBlock([...options, HELP_OPTION])];
  return `${parts.join('\n\n')}\n`;
}

function usageBlock(usage: string[]): string {
  return ['Usage:', ...usage.map((line) => `  ${line}`)].join('\n');
}

/** `  -c, --config FILE   The config ...`, the descriptions in one column. */
export function optionsBlock(options: OptionSpec[]): string {
  const names = options.map((o) => `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(...names.map((n) => n.length));
  const lines = options.flatMap((o, i) => {
    const [first, ...rest] = o.help.split('\n');
    return [`  ${names[i].padEnd(width)}   ${first}`, ...rest.map((line) => `  ${''.padEnd(width)}   ${line}`)];
  });
  return ['Options:', ...lines].join('\n');
}

function orList(names: string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
