/**
 * Talking to a running `toolgate serve` through its admin API, for the commands that take
 * `-p PORT` (approvals, explain --spend). Kept apart from those commands so that importing it
 * loads no store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { ToolgateError } from '../errors.js';

/** The `-p` of a command that talks to a running gateway. */
export function listenPort(port: string): number {
  const number = Number(port);
  if (!/^\d+$/.test(port) || number < 1 || number > 65535) {
    throw new ToolgateError('invalid_request', `-p takes the port toolgate serve listens on (1 to 65535), not "${port}"`);
  }
  return number;
}

function adminToken(config: Config): string {
  const fromEnv = process.env.TOOLGATE_ADMIN_TOKEN;
  if (fromEnv) return fromEnv;
  if (config.admin?.token) return config.admin.token;
  const file = join(config.dataDir, 'admin-token');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new ToolgateError('unauthorized', `No admin token: set TOOLGATE_ADMIN_TOKEN, put admin.token in the config, or start the gateway once so it writes ${file}`);
  }
}

/** Calls the admin API of the gateway serving `config` (its listen address and port). */
export function adminClient(config: Config): (method: string, path: string, body?: unknown) => Promise<unknown> {
  const host = ['0.0.0.0', '::', ''].includes(config.listen.host) ? '127.0.0.1' : config.listen.host;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${config.listen.port}/admin/api/`;
  const token = adminToken(config);
  return async (method, path, body) => {
    let response: Response;
    try {
      response = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ToolgateError('upstream_unavailable', `Cannot reach the gateway at ${base} (${code}); is toolgate serve running on that port? (without -p, toolgate approvals decides in the config's data_dir and needs no running gateway)`);
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const message = (parsed as { message?: string; error?: { message?: string } } | undefined)?.message ?? (parsed as { error?: { message?: string } })?.error?.message ?? text;
      throw new ToolgateError(response.status === 401 ? 'unauthorized' : response.status === 404 ? 'not_found' : 'conflict', `The gateway answered ${response.status}: ${message}`);
    }
    return parsed;
  };
}
