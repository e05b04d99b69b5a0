/**
 * `toolgate catalog`: every tool of every configured server (or of a tools file), classified,
 * with the rule the config applies to it, as a table, JSON, Markdown or static HTML pages.
 */
import { catalogEntry, type Explain } from '../catalog/entry.js';
import { describeServer, listServerTools, type ServerListing } from '../catalog/node/list-tools.js';
import { readToolsFile, serverNameFromFile } from '../catalog/node/tools-file.js';
import { writeHtmlCatalog } from '../catalog/node/write-html.js';
import { renderJson, renderMarkdown, renderTable, type CatalogFailure, type CatalogGroup } from '../catalog/render-text.js';
import { loadConfig } from '../config/load.js';
import { suggestHint } from '../config/suggest.js';
import type { Config } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import type { Agent } from '../identity/agent.js';
import { compilePolicy } from '../policy/compile.js';
import type { CommandArgs } from './command.js';

export interface CatalogSource {
  config?: Config;
  groups: CatalogGroup[];
  failures: CatalogFailure[];
}

export async function catalogCommand(args: CommandArgs): Promise<number> {
  const { positionals } = args;
  if (positionals.length > 0) {
    throw new ToolgateError('invalid_request', `toolgate catalog takes no argument "${positionals[0]}" (hint: --server ${positionals[0]} lists one server; see toolgate catalog --help)`);
  }
  const format = args.string('format') ?? 'table';
  if (!['table', 'json', 'markdown'].includes(format)) {
    throw new ToolgateError('invalid_request', `--format takes table, json or markdown, not "${format}"`);
  }
  const source = await gatherCatalog({
    config: args.string('config'),
    server: args.string('server'),
    toolsJson: args.string('tools-json'),
    timeoutMs: parseTimeout(args.string('timeout')),
  });
  for (const f of source.failures) process.stderr.write(`toolgate: ${f.message}\n`);

  const html = args.string('html');
  if (html !== undefined) {
    const written = writeHtmlCatalog(html, source.groups, source.failures);
    process.stdout.write(`Wrote ${written.pages} tool page(s) and ${written.index}\n`);
  } else if (format === 'json') {
    process.stdout.write(renderJson(source.groups));
  } else if (format === 'markdown') {
    process.stdout.write(renderMarkdown(source.groups, source.failures));
  } else {
    process.stdout.write(renderTable(source.groups, useColour()));
  }
  return source.failures.length > 0 ? 1 : 0;
}

export interface GatherOptions {
  /** A config file; without one (only with `toolsJson`) every tool is "allow (no policy)". */
  config?: string;
  server?: string;
  toolsJson?: string;
  timeoutMs?: number;
}

/** The catalog's data: from a tools file, or from every configured server (listed in parallel). */
export async function gatherCatalog(options: GatherOptions): Promise<CatalogSource> {
  if (options.toolsJson !== undefined) {
    const file = readToolsFile(options.toolsJson);
    const config = options.config === undefined ? undefined : await loadConfig(options.config);
    const server = toolsFileServer(options.server, file.server, options.toolsJson, config);
    const explain = config && explainer(config);
    return { config, groups: [{ server, entries: file.tools.map((tool) => catalogEntry(server, tool, explain)) }], failures: [] };
  }
  const config = await loadConfig(options.config ?? 'toolgate.yaml');
  const ids = options.server === undefined ? Object.keys(config.servers) : [knownServer(config, options.server)];
  const explain = explainer(config);
  const { listings, failures } = await listServers(config, ids, options.timeoutMs);
  return { config, groups: listings.map((listing) => groupOf(listing, explain)), failures };
}

/** The tools of these configured servers, listed in parallel; a server that cannot be listed is a failure, the others are still listed. */
export async function listServers(config: Config, ids: string[], timeoutMs: number | undefined): Promise<{ listings: ServerListing[]; failures: CatalogFailure[] }> {
  const results = await Promise.allSettled(ids.map((id) => listServerTools(id, config.servers[id], { timeoutMs })));
  const listings: ServerListing[] = [];
  const failures: CatalogFailure[] = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') listings.push(result.value);
    else failures.push({ server: ids[i], message: (result.reason as Error).message });
  });
  return { listings, failures };
}

export function groupOf(listing: ServerListing, explain: Explain | undefined): CatalogGroup {
  const group: CatalogGroup = { server: listing.server, entries: listing.tools.map((tool) => catalogEntry(listing.server, tool, explain)) };
  if (listing.info) group.serverInfo = `${listing.info.name} ${listing.info.version}`;
  return group;
}

/** Explains with the config's policy; with `agent`, the rule for that agent (its override when one governs). */
export function explainer(config: Config, agent?: Agent): Explain {
  const policy = compilePolicy(config);
  return (server, tool, definition) => policy.explain(server, tool, definition, agent);
}

/** A configured server id, or an error that names the configured ones. */
export function knownServer(config: Config, id: string): string {
  if (Object.hasOwn(config.servers, id)) return id;
  const ids = Object.keys(config.servers);
  throw new ToolgateError('unknown_server', `server "${id}" is not in ${config.file} (${suggestHint(id, ids, 'configured servers')})`);
}

/**
 * Which server a tools file describes. With a config, it must be a configured server: `--server`,
 * else the file's own `server` name when it is a server id, or the package one configured server
 * runs (`awslabs.ecs-mcp-server` for `uvx --from awslabs-ecs-mcp-server ecs-mcp-server`).
 */
export function toolsFileServer(flag: string | undefined, fromFile: string | undefined, path: string, config: Config | undefined): string {
  if (config === undefined) return flag ?? fromFile ?? serverNameFromFile(path);
  if (flag !== undefined) return knownServer(config, flag);
  const name = fromFile ?? serverNameFromFile(path);
  if (Object.hasOwn(config.servers, name)) return name;
  const running = Object.entries(config.servers).filter(([, server]) => runsPackage(describeServer(server), name));
  if (running.length === 1) return running[0][0];
  throw new ToolgateError(
    'unknown_server',
    `the tools in ${path} are from "${name}", which is not a server id in ${config.file}${running.length > 1 ? ` and ${running.length} servers run it` : ''} (hint: say which with --server; configured servers: ${Object.keys(config.servers).join(', ')})`,
  );
}

/**
 * True when a command line runs `name`, as a word, possibly versioned (`pkg@latest`, `pkg==1.2`).
 * Names compare as PyPI normalises them (PEP 503: case, and runs of `.`, `_`, `-`, do not matter),
 * so `awslabs.ecs-mcp-server` is run by `uvx --from awslabs-ecs-mcp-server ecs-mcp-server`.
 */
function runsPackage(commandLine: string, name: string): boolean {
  const normal = (text: string) => text.toLowerCase().replace(/[-_.]+/g, '-');
  return commandLine.split(/\s+/).some((word) => {
    const bare = word.replace(/^.*\//, '').replace(/(@[^/@]*|==.*)$/, '');
    return normal(bare) === normal(name) || word === name;
  });
}

export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new ToolgateError('invalid_request', `--timeout takes a number of seconds above 0, not "${text}"`);
  return seconds * 1000;
}

/** Colour on a terminal, unless NO_COLOR is set to anything (https://no-color.org). */
function useColour(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}
