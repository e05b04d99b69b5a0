/**
 * `toolgate init`: connect to one live MCP server and write a starter policy for it — the server
 * entry, `defaults: recommended`, its tools by category with the classifier's reasons, and
 * commented-out example rules for the riskier ones. The file is checked with the real loader
 * and policy compiler before it is written, so it always passes `toolgate validate`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { catalogEntry } from '../catalog/entry.js';
import { listServerTools } from '../catalog/node/list-tools.js';
import { starterPolicy, serverYaml, type StarterServer } from '../catalog/starter-policy.js';
import { parseConfig } from '../config/load.js';
import { SERVER_ID_PATTERN } from '../config/schema.js';
import type { ServerConfig } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import { compilePolicy } from '../policy/compile.js';
import { explainer } from './catalog.js';
import type { CommandArgs } from './command.js';

export async function initCommand(args: CommandArgs): Promise<number> {
  const { positionals } = args;
  const values = {
    server: args.string('server'),
    url: args.string('url'),
    env: args.strings('env'),
    header: args.strings('header'),
    id: args.string('id'),
    output: args.string('output')!,
    force: args.flag('force'),
    timeout: args.string('timeout'),
  };
  if (positionals.length > 0) {
    throw new ToolgateError('invalid_request', `toolgate init takes no argument "${positionals[0]}" (hint: quote the server's command line as one: --server "${positionals.join(' ')}")`);
  }
  if ((values.server === undefined) === (values.url === undefined)) {
    throw new ToolgateError('invalid_request', 'toolgate init needs exactly one of --server "<command line>" (a stdio server) or --url URL (see toolgate init --help)');
  }
  const output = resolve(values.output);
  if (existsSync(output) && !values.force) {
    throw new ToolgateError('conflict', `${values.output} already exists; toolgate init does not overwrite it (hint: choose another file with -o, or pass --force to replace it)`);
  }

  const starter = starterServer(values, dirname(output));
  const config = serverConfig(starter);
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout) * 1000;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new ToolgateError('invalid_request', `--timeout takes a number of seconds above 0, not "${values.timeout}"`);
  const listing = await listServerTools(starter.id, config, { timeoutMs });
  if (values.id === undefined && listing.info) starter.id = serverId(listing.info.name);
  if (listing.info) starter.label = `${listing.info.title ?? listing.info.name}, ${listing.info.name} ${listing.info.version}`;

  // The defaults the file will have, compiled by the real loader, give each tool's rule.
  const base = parseConfig(`servers:\n${serverYaml(starter)}\ndefaults: recommended\n`, output, {});
  const explain = explainer(base);
  const entries = listing.tools.map((tool) => catalogEntry(starter.id, tool, explain));
  const text = starterPolicy(starter, entries, relativeForHelp(output));

  // Refuse to write a file that would not load; a bug here must not become the user's problem.
  compilePolicy(parseConfig(text, output, {}));
  try {
    writeFileSync(output, text, { flag: values.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ToolgateError('conflict', `${values.output} was created meanwhile; not overwritten (pass --force to replace it)`);
    throw new ToolgateError('invalid_request', `cannot write ${output}: ${(error as Error).message}`, { cause: error });
  }
  const risky = entries.filter((e) => e.risk === 'High' || e.risk === 'Critical').length;
  process.stdout.write(
    `Wrote ${values.output}: server "${starter.id}" with ${entries.length} tool(s) (${risky} high or critical risk), defaults: recommended.\n` +
      `Next: toolgate validate -c ${values.output} && toolgate serve -c ${values.output}\n`,
  );
  return 0;
}

interface InitValues {
  server?: string;
  url?: string;
  env?: string[];
  header?: string[];
  id?: string;
}

function starterServer(values: InitValues, configDir: string): StarterServer {
  if (values.url !== undefined) {
    let url: URL;
    try {
      url = new URL(values.url);
    } catch {
      throw new ToolgateError('invalid_request', `--url "${values.url}" is not a URL (hint: http://127.0.0.1:3001/mcp)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ToolgateError('invalid_request', `--url must be http:// or https://, not ${url.protocol}`);
    return { id: values.id ?? serverId(url.hostname), kind: 'http', url: values.url, headers: pairs(values.header ?? [], ':', '--header', 'Authorization: Bearer TOKEN') };
  }
  const words = splitCommandLine(values.server!);
  if (words.length === 0) throw new ToolgateError('invalid_request', '--server needs a command line, e.g. --server "npx -y @modelcontextprotocol/server-everything stdio"');
  const [command, ...args] = words;
  const starter: StarterServer = { id: values.id ?? serverId(command === 'npx' || command === 'uvx' ? (args.find((a) => !a.startsWith('-')) ?? command) : command), kind: 'stdio', command, args, env: pairs(values.env ?? [], '=', '--env', 'KEY=VALUE') };
  // Relative paths in the command line are relative to here; the gateway may start elsewhere.
  if (args.some((a) => !isAbsolute(a) && /[/\\]/.test(a) && existsSync(a))) {
    const rel = relative(configDir, process.cwd());
    starter.cwd = rel === '' ? '.' : rel.startsWith('..') ? process.cwd() : rel;
  }
  return starter;
}

function serverConfig(s: StarterServer): ServerConfig {
  if (s.kind === 'http') return { kind: 'http', url: s.url!, headers: s.headers ?? {} };
  return { kind: 'stdio', command: s.command!, args: s.args ?? [], env: s.env ?? {}, sessions: 'per-session', ...(s.cwd === undefined ? {} : { cwd: process.cwd() }) };
}

/** A server id from a name: `mcp-servers/everything` → `everything`, `@scope/pkg@1` → `pkg`. */
export function serverId(name: string): string {
  const last = name.replace(/@[^/@]*$/, '').split(/[/\\]/).filter(Boolean).pop() ?? '';
  const id = last.replace(/\.(js|mjs|cjs|py|exe)$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return new RegExp(SERVER_ID_PATTERN).test(id) ? id : 'server';
}

function pairs(items: string[], separator: string, flag: string, example: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf(separator);
    if (at <= 0) throw new ToolgateError('invalid_request', `${flag} takes ${example}, not "${item}"`);
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}

/**
 * A command line split into words the way a POSIX shell would for the simple cases: spaces
 * separate, '…' is literal, "…" allows \" and \\, a backslash escapes the next character.
 * No variables, globs or operators: the words are passed to the process as they are.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new ToolgateError('invalid_request', `the --server command line has an unclosed ${quote === '"' ? 'double' : 'single'} quote: ${line}`);
  if (inWord) words.push(word);
  return words;
}

function relativeForHelp(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') ? rel : file;
}
