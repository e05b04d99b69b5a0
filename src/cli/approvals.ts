import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Approval } from '../approvals/types.js';
import { parseDuration } from '../config/duration.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ToolgateError } from '../errors.js';

const USAGE = `Usage:
  toolgate approvals list    [-c FILE] [--all] [--json]
  toolgate approvals approve <id> [-c FILE] [--for 30m] [--as NAME]
  toolgate approvals deny    <id> --reason "..." [-c FILE] [--as NAME]

Talks to the running gateway's admin API (its address from the config's listen section, or
-p PORT when the gateway was started with another port).
The admin token comes from TOOLGATE_ADMIN_TOKEN, the config's admin.token, or the token the
gateway generated in <data_dir>/admin-token.
--for      approve this tool for the call's session for that long (e.g. 30m), not just once`;

/** `toolgate approvals ...`: see and decide held calls from a terminal. */
export async function approvalsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c', default: 'toolgate.yaml' },
      port: { type: 'string', short: 'p' },
      json: { type: 'boolean' },
      all: { type: 'boolean' },
      for: { type: 'string' },
      as: { type: 'string' },
      reason: { type: 'string' },
    },
  });
  const [action, id] = positionals;
  if (action === undefined || !['list', 'approve', 'deny'].includes(action)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = await loadConfig(values.config!);
  if (values.port !== undefined) config.listen.port = Number(values.port);
  const api = adminClient(config);
  if (action === 'list') {
    const approvals = (await api('GET', `approvals${values.all ? '' : '?status=pending'}`)) as Approval[];
    process.stdout.write(values.json ? `${approvals.map((approval) => JSON.stringify(approval)).join('\n')}${approvals.length ? '\n' : ''}` : formatTable(approvals));
    return 0;
  }
  if (!id) throw new ToolgateError('invalid_request', `toolgate approvals ${action} needs an approval id; see toolgate approvals list`);
  if (action === 'approve') {
    const body = values.for ? { scope: 'session', minutes: Math.ceil(parseDuration(values.for) / 60_000), approver: values.as ?? 'cli' } : { scope: 'once', approver: values.as ?? 'cli' };
    const approval = (await api('POST', `approvals/${encodeURIComponent(id)}/approve`, body)) as Approval;
    process.stdout.write(`approved ${approval.id}: ${approval.tool} on ${approval.server}${approval.grant ? ` (and this tool in session ${approval.session} until ${new Date(approval.grant.until).toISOString()})` : ''}\n`);
    return 0;
  }
  if (!values.reason?.trim()) throw new ToolgateError('invalid_request', 'toolgate approvals deny needs --reason "...": the agent reads it');
  const approval = (await api('POST', `approvals/${encodeURIComponent(id)}/refuse`, { reason: values.reason, approver: values.as ?? 'cli' })) as Approval;
  process.stdout.write(`refused ${approval.id}: ${approval.tool} on ${approval.server}\n`);
  return 0;
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

function adminClient(config: Config): (method: string, path: string, body?: unknown) => Promise<unknown> {
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
      throw new ToolgateError('upstream_unavailable', `Cannot reach the gateway at ${base} (${code}); is toolgate serve running with this config? (pass -p PORT if it was started with another port)`);
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

function formatTable(approvals: Approval[]): string {
  if (approvals.length === 0) return 'No approvals waiting.\n';
  const rows = approvals.map((approval) => [
    approval.id,
    approval.status,
    `${approval.server}/${approval.tool}`,
    approval.session ?? '-',
    approval.status === 'pending' ? `expires in ${Math.max(0, Math.round((approval.expiresAt - Date.now()) / 1000))}s` : (approval.decidedBy ?? ''),
    JSON.stringify(approval.arguments).slice(0, 80),
  ]);
  const header = ['ID', 'STATUS', 'TOOL', 'SESSION', 'WHEN', 'ARGUMENTS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n') + '\n';
}
