/**
 * `toolgate validate`: load and compile the config as serve would; with the servers' tools (from
 * `--tools-json` files or `--live`), also warn about rules that can never take effect
 * (src/config/lint.ts). Problems fail the command; warnings only with `--strict`.
 */
import { readFile } from 'node:fs/promises';
import type { ToolDefinition } from '../catalog/types.js';
import { loadConfig } from '../config/load.js';
import { lintConfig, type LintCode, type LintWarning } from '../config/lint.js';
import type { Config } from '../config/types.js';
import { YamlSource } from '../config/yaml-source.js';
import { ConfigError, ToolgateError, type ConfigProblem } from '../errors.js';
import { compilePolicy } from '../policy/compile.js';
import { UsageError, type CommandArgs } from './command.js';

type Located = ConfigProblem & { code: LintCode };

/** Where the tool definitions came from, and what could not be listed. */
interface Tools {
  byServer: Map<string, ToolDefinition[]>;
  /** `--live` servers that could not be listed. */
  failures: { server: string; message: string }[];
}

export async function validateCommand(args: CommandArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError(`toolgate validate takes no argument "${args.positionals[0]}" (the config is -c FILE; see toolgate validate --help)`);
  const files = args.strings('tools-json');
  const live = args.flag('live');
  if (live && files.length > 0) throw new UsageError('toolgate validate: give --tools-json or --live, not both (see toolgate validate --help)');
  if (args.string('server') !== undefined && files.length !== 1) throw new UsageError('toolgate validate: --server names the server of one --tools-json file (see toolgate validate --help)');
  const json = args.flag('json');
  const file = args.string('config')!;

  let config: Config;
  let revision: string;
  try {
    config = await loadConfig(file);
    revision = compilePolicy(config).revision;
  } catch (error) {
    if (!(json && error instanceof ConfigError)) throw error;
    process.stdout.write(`${JSON.stringify({ file, ok: false, problems: error.problems }, null, 2)}\n`);
    return 1;
  }
  const tools = live || files.length > 0 ? await toolDefinitions(config, { files, server: args.string('server'), live, timeout: args.string('timeout') }) : undefined;
  const warnings = await locate(config, file, lintConfig(config, tools?.byServer ?? new Map()));
  const strict = args.flag('strict');
  const failed = (tools?.failures.length ?? 0) > 0 || (strict && warnings.length > 0);

  const servers = Object.keys(config.servers);
  const checked = tools === undefined ? undefined : [...tools.byServer.keys()];
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, ok: !failed, servers, revision, toolsChecked: checked ?? null, warnings, failures: tools?.failures ?? [] }, null, 2)}\n`);
    return failed ? 1 : 0;
  }
  process.stdout.write(`${file}: OK — ${servers.length} server(s) (${servers.join(', ')}), policy revision ${revision}\n`);
  for (const w of warnings) process.stdout.write(`${w.file}:${w.line}:${w.column}: warning: ${w.path}: ${w.message} (hint: ${w.hint})\n`);
  for (const f of tools?.failures ?? []) process.stderr.write(`toolgate: ${f.message}\n`);
  if (checked === undefined) {
    process.stdout.write('Tool names and arguments were not checked: give --tools-json FILE or --live to check the rules against the tools the servers list.\n');
  } else {
    const unchecked = servers.filter((s) => !checked.includes(s));
    process.stdout.write(`Checked the rules of ${checked.length === 0 ? 'no server' : checked.join(', ')} against the listed tools${unchecked.length ? ` (not ${unchecked.join(', ')})` : ''}.\n`);
  }
  if (warnings.length > 0) process.stdout.write(`${warnings.length} warning(s)${strict ? '' : ' (they fail the command with --strict)'}\n`);
  return failed ? 1 : 0;
}

/** The tools of the servers to check: one server per tools file, or every configured server listed live. */
async function toolDefinitions(config: Config, options: { files: string[]; server?: string; live: boolean; timeout?: string }): Promise<Tools> {
  const { listServers, parseTimeout, toolsFileServer } = await import('./catalog.js');
  const byServer = new Map<string, ToolDefinition[]>();
  if (options.live) {
    const { listings, failures } = await listServers(config, Object.keys(config.servers), parseTimeout(options.timeout));
    for (const listing of listings) byServer.set(listing.server, listing.tools);
    return { byServer, failures };
  }
  const { readToolsFile } = await import('../catalog/node/tools-file.js');
  for (const path of options.files) {
    const tools = readToolsFile(path);
    const server = toolsFileServer(options.server, tools.server, path, config);
    if (byServer.has(server)) throw new ToolgateError('invalid_request', `two --tools-json files are for server "${server}"; give one file per server`);
    byServer.set(server, tools.tools);
  }
  return { byServer, failures: [] };
}

/** The warnings with their file, line and column, in file order. */
async function locate(config: Config, file: string, warnings: LintWarning[]): Promise<Located[]> {
  if (warnings.length === 0) return [];
  const source = new YamlSource(await readFile(config.file ?? file, 'utf8'), file);
  const before = source.problems.length;
  for (const w of warnings) source.report(w.path, w.anchor, w.message, w.hint, w.within);
  const located = source.problems.slice(before).map((p, i) => ({ ...p, code: warnings[i].code }));
  return located.sort((a, b) => a.line - b.line || a.column - b.column);
}
