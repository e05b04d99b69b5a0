/**
 * The admin token: the one secret in front of the admin API, the dashboard and /metrics.
 *
 * `admin.token` in the config wins (usually `"${TOOLGATE_ADMIN_TOKEN}"`). Without it, the first
 * start generates a random token and keeps it in `<data_dir>/admin-token` (mode 0600), so the
 * dashboard URL a person bookmarked keeps working across restarts; `toolgate serve` prints the
 * token once, when it is created. Delete the file to rotate it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { ToolgateError } from '../errors.js';

export interface AdminToken {
  token: string;
  /** `config`: admin.token; `file`: read from data_dir; `generated`: created by this start. */
  source: 'config' | 'file' | 'generated';
  /** The token file, when the token lives in one. */
  file?: string;
}

export const TOKEN_FILE = 'admin-token';
/** Shorter than this and the token is not worth the name; the config schema asks the same. */
export const MIN_TOKEN_LENGTH = 16;

export function resolveAdminToken(config: Config): AdminToken {
  const configured = config.admin?.token;
  if (configured !== undefined) return { token: configured, source: 'config' };
  const file = join(config.dataDir, TOKEN_FILE);
  const existing = readTokenFile(file);
  if (existing !== undefined) return { token: existing, source: 'file', file };
  const token = randomBytes(32).toString('base64url');
  mkdirSync(config.dataDir, { recursive: true });
  try {
    // `wx`: if another process created it meanwhile, use theirs rather than overwrite it.
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const raced = readTokenFile(file);
      if (raced !== undefined) return { token: raced, source: 'file', file };
    }
    throw new ToolgateError('config_unreadable', `Cannot write the admin token to ${file}: ${(error as Error).message} (hint: make data_dir writable, or set admin.token in the config)`, { cause: error });
  }
  chmodSync(file, 0o600); // the umask may have narrowed the mode further; never wider than 0600
  return { token, source: 'generated', file };
}

function readTokenFile(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ToolgateError('config_unreadable', `Cannot read the admin token file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ToolgateError('config_unreadable', `The admin token file ${file} holds no usable token (fewer than ${MIN_TOKEN_LENGTH} characters) (hint: delete it and restart to generate a new one)`);
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600); // someone widened it; a token readable by others is no secret
  return token;
}
