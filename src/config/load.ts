/**
 * Loading a config file: YAML with positions, `${VAR}` expansion, the JSON Schema check, the
 * checks a schema cannot express, then the typed `Config`. Every problem in the file is
 * collected and thrown together as one `ConfigError`, sorted by position, so a newcomer fixes
 * the whole file in one pass instead of one error per run.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, ToolgateError } from '../errors.js';
import { buildConfig } from './build.js';
import { checkMeaning } from './checks.js';
import type { Env } from './env.js';
import type { Config } from './types.js';
import { validateShape } from './validate.js';
import { YamlSource } from './yaml-source.js';

/**
 * Parse and check config text. Pure apart from reading `env`: relative paths (`data_dir`,
 * `cwd`) are returned as written; `loadConfig` resolves them against the file's folder.
 * `file` is only used to label problems.
 */
export function parseConfig(text: string, file: string, env: Env = process.env): Config {
  const source = new YamlSource(text, file);
  if (!source.broken) {
    source.prepare(env);
    let value: unknown;
    try {
      value = source.toJS();
    } catch (e) {
      // e.g. the alias-expansion limit that guards against "billion laughs" documents
      source.report([], 'value', `YAML: ${(e as Error).message}`);
    }
    if (source.problems.length === 0 || value !== undefined) {
      validateShape(value, source);
      checkMeaning(value, source);
    }
    if (source.problems.length === 0) return buildConfig(value);
  }
  const problems = source.problems.map((p, i) => ({ p, i }));
  problems.sort((a, b) => a.p.line - b.p.line || a.p.column - b.p.column || a.i - b.i);
  throw new ConfigError(problems.map(({ p }) => p));
}

/** Read, parse and check a config file; sets `file` and makes `dataDir` and `cwd`s absolute. */
export async function loadConfig(file: string, env: Env = process.env): Promise<Config> {
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (e) {
    throw new ToolgateError('config_unreadable', unreadableMessage(absolute, e), { cause: e, data: { file: absolute } });
  }
  const config = parseConfig(text, file, env);
  const folder = dirname(absolute);
  config.file = absolute;
  config.dataDir = resolve(folder, config.dataDir);
  for (const server of Object.values(config.servers)) {
    if (server.kind === 'stdio' && server.cwd !== undefined) server.cwd = resolve(folder, server.cwd);
  }
  return config;
}

function unreadableMessage(file: string, e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return `config file ${file} does not exist (hint: check the path given with --config, or start from examples/demo.yaml)`;
    case 'EACCES':
    case 'EPERM':
      return `config file ${file} cannot be read: permission denied (hint: make it readable by the user running toolgate)`;
    case 'EISDIR':
      return `config file ${file} is a directory (hint: give the path of the YAML file inside it)`;
    default:
      return `config file ${file} cannot be read: ${(e as Error).message}`;
  }
}
