#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, ToolgateError } from '../errors.js';
import { approvalsCommand } from './approvals.js';
import { auditCommand } from './audit.js';
import { catalogCommand } from './catalog.js';
import { demoCommand } from './demo.js';
import { explainCommand } from './explain.js';
import { initCommand } from './init.js';
import { pinsCommand } from './pins.js';
import { schemaCommand, validateCommand } from './validate.js';
import { serveCommand, stdioCommand } from './serve.js';
import { VERSION } from './version.js';

const HELP = `toolgate ${VERSION} — a self-hosted policy gateway for MCP tool calls

Usage:
  toolgate serve    [-c FILE] [-p PORT]    Start the gateway: every configured server gets
                                           a proxy URL http://HOST:PORT/mcp/<server-id>
  toolgate stdio    <server-id> [-c FILE]  Serve one configured server over stdio, for
                                           clients that only launch local processes
  toolgate validate [-c FILE]              Check a config file; exit 0, or print every problem
  toolgate schema                          Print the config file's JSON Schema (for editors)
  toolgate demo     [-p PORT]              Start the gateway on the built-in demo config
  toolgate audit    [-c FILE] [filters]    Show the audit trail (--json, --follow; \`audit export\`
                                           writes JSON lines); see toolgate audit --help
  toolgate approvals list|approve|deny     See and decide calls held for approval, in data_dir
                                           (serve or stdio); see toolgate approvals --help
  toolgate catalog  [-c FILE] [--format F] Every tool of every server: category, risk, required
                                           parameters, effective rule (--html DIR: static pages)
  toolgate explain  <server> <tool> [-c F] Why a tool gets its rule, and where each part comes from
  toolgate init     --server CMD | --url U Write a starter policy for a live server (-o FILE)
  toolgate pins     list|diff|accept       Review tool definitions that changed since first seen

Options:
  -c, --config FILE   The config file (default: ./toolgate.yaml)
  -p, --port N        Listen on this port instead of the config's listen.port (serve, demo)
  -h, --help          Show this help
  -v, --version       Show the version

The config is YAML; see README.md for every key. Policy changes are picked up while running.
Logs go to stderr as JSON lines (pipe through pino-pretty to read them).`;

interface CommandOptions {
  config: string;
  port?: number;
}

const COMMANDS: Record<string, (positionals: string[], options: CommandOptions) => Promise<number>> = {
  serve: (_, { config, port }) => serveCommand(config, { port }),
  stdio: (positionals, { config }) => stdioCommand(positionals[0], config),
  validate: (_, { config }) => validateCommand(config),
  schema: () => schemaCommand(),
  demo: (_, { port }) => demoCommand({ port }),
  audit: (positionals, { config }) => auditCommand([...positionals, '-c', config]), // `toolgate -c F audit`
  catalog: (positionals, { config }) => catalogCommand([...positionals, '-c', config]),
  explain: (positionals, { config }) => explainCommand([...positionals, '-c', config]),
  init: (positionals) => initCommand(positionals),
  pins: (positionals, { config }) => pinsCommand([...positionals, '-c', config]),
};

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'audit') return auditCommand(argv.slice(1)); // its own options (--server, --json, ...)
  if (argv[0] === 'approvals') return approvalsCommand(argv.slice(1)); // its own options (--json, --for, --reason)
  if (argv[0] === 'catalog') return catalogCommand(argv.slice(1)); // its own options (--server, --format, --html, ...)
  if (argv[0] === 'explain') return explainCommand(argv.slice(1));
  if (argv[0] === 'init') return initCommand(argv.slice(1));
  if (argv[0] === 'pins') return pinsCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c', default: 'toolgate.yaml' },
      port: { type: 'string', short: 'p' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`toolgate: unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(', ')} (see toolgate --help)\n`);
    return 2;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ToolgateError('invalid_request', `--port takes a whole number from 0 to 65535, not "${values.port}"`);
  }
  return run(rest, { config: values.config!, port });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`toolgate: the config has ${error.problems.length} problem(s):\n${error.message}\n`);
    } else if (error instanceof ToolgateError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`toolgate: ${(error as Error).message}\n`);
    } else {
      process.stderr.write(`toolgate: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    process.exitCode = 1;
  },
);
