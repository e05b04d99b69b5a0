#!/usr/bin/env node
/**
 * The `toolgate` command line: finds the command in the registry (./commands.ts), parses its
 * arguments against its spec, and only then imports the command's module. This file imports
 * only the version: `toolgate --version` loads nothing else, and the registry is imported once
 * a command or the help is asked for.
 */
import type { CommandSpec } from './command.js';
import { VERSION } from './version.js';

/** Options that may come before the command (`toolgate -c FILE audit`); they are handed to it. */
const LEADING_WITH_VALUE = new Set(['-c', '--config', '-p', '--port']);

async function globalHelp(): Promise<string> {
  const { COMMANDS } = await import('./commands.js');
  const { optionsBlock } = await import('./command.js');
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `toolgate ${VERSION} — a self-hosted policy gateway for MCP tool calls`,
    '',
    'Usage: toolgate <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`),
    '',
    "Each command has its own help: toolgate <command> --help (e.g. toolgate approvals approve --help).",
    '',
    optionsBlock([
      { name: 'config', short: 'c', value: 'FILE', help: 'The config file, for the commands that read one (default ./toolgate.yaml)' },
      { name: 'help', short: 'h', help: 'Show this help' },
      { name: 'version', short: 'v', help: 'Show the version' },
    ]),
    '',
    'The config is YAML; see README.md for every key. Policy changes are picked up while running.',
    'Logs go to stderr as JSON lines (pipe through pino-pretty to read them).',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const leading: string[] = [];
  let at = 0;
  for (; at < argv.length && argv[at].startsWith('-') && argv[at] !== '--'; at++) {
    const option = argv[at];
    if (option === '-v' || option === '--version') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (option === '-h' || option === '--help') {
      process.stdout.write(await globalHelp());
      return 0;
    }
    leading.push(option);
    if (LEADING_WITH_VALUE.has(option) && at + 1 < argv.length) leading.push(argv[++at]);
  }
  const { COMMANDS } = await import('./commands.js');
  const { parseCommand, UsageError } = await import('./command.js');
  const name = argv[at];
  if (name === undefined || name === '--') {
    if (leading.length > 0) throw new UsageError(`toolgate: ${leading[0]} needs a command after it, e.g. toolgate ${leading.join(' ')} serve (see toolgate --help)`);
    process.stdout.write(await globalHelp());
    return 0;
  }
  if (name === 'help') return help(COMMANDS, argv.slice(at + 1));
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`toolgate: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see toolgate --help)\n`);
    return 2;
  }
  const parsed = parseCommand(command, [...argv.slice(at + 1), ...leading]);
  if (parsed.help) {
    process.stdout.write(parsed.text);
    return 0;
  }
  return command.run(parsed.args);
}

/** `toolgate help [command [subcommand]]`. */
async function help(commands: readonly CommandSpec[], [name, sub]: string[]): Promise<number> {
  const { commandHelp, subcommandHelp } = await import('./command.js');
  const command = commands.find((c) => c.name === name);
  if (name === undefined || command === undefined) {
    process.stdout.write(await globalHelp());
    return name === undefined ? 0 : 2;
  }
  const subcommand = command.subcommands?.find((s) => s.name === sub);
  process.stdout.write(subcommand ? subcommandHelp(command, subcommand) : commandHelp(command));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    const { ConfigError, ToolgateError } = await import('../errors.js');
    const { UsageError } = await import('./command.js');
    if (error instanceof ConfigError) {
      process.stderr.write(`toolgate: the config has ${error.problems.length} problem(s):\n${error.message}\n`);
    } else if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
    } else if (error instanceof ToolgateError) {
      process.stderr.write(`toolgate: ${error.message}\n`);
    } else {
      process.stderr.write(`toolgate: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
