import { approvalsFile } from '../approvals/approval-store.js';
import { approvalOf, pendingApproval, refusalOf, storeDecision } from '../approvals/deciding.js';
import type { Approval, ApproveOptions } from '../approvals/types.js';
import { parseDuration } from '../config/duration.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import { openSharedApprovalStore } from '../store/stores.js';
import { adminClient, listenPort } from './admin-client.js';
import type { CommandArgs } from './command.js';

/** How the CLI reaches the approvals: the shared store, or a gateway's admin API. */
interface Desk {
  list(all: boolean): Promise<Approval[]>;
  approve(id: string, options: ApproveOptions): Promise<Approval>;
  refuse(id: string, reason: string, approver: string): Promise<Approval>;
  close(): Promise<void>;
}

/** `toolgate approvals ...`: see and decide held calls from a terminal. */
export async function approvalsCommand(args: CommandArgs): Promise<number> {
  const action = args.subcommand!;
  const [id] = args.positionals;
  const reason = args.string('reason');
  const port = args.string('port');
  if (action !== 'list' && !id) throw new ToolgateError('invalid_request', `toolgate approvals ${action} needs an approval id; see toolgate approvals list`);
  if (action === 'deny' && !reason?.trim()) throw new ToolgateError('invalid_request', 'toolgate approvals deny needs --reason "...": the agent reads it');
  const config = await loadConfig(args.string('config')!);
  const approver = args.string('as') ?? 'cli';
  const desk = port === undefined ? storeDesk(config) : apiDesk(config, port);
  try {
    if (action === 'list') {
      const approvals = await desk.list(args.flag('all'));
      process.stdout.write(args.flag('json') ? `${approvals.map((approval) => JSON.stringify(approval)).join('\n')}${approvals.length ? '\n' : ''}` : formatTable(approvals));
      return 0;
    }
    if (action === 'approve') {
      const forDuration = args.string('for');
      const options: ApproveOptions = forDuration ? { scope: 'session', minutes: Math.ceil(parseDuration(forDuration) / 60_000), approver } : { scope: 'once', approver };
      const approval = await desk.approve(id, options);
      process.stdout.write(`approved ${approval.id}: ${approval.tool} on ${approval.server}${approval.grant ? ` (and this tool in session ${approval.session} until ${new Date(approval.grant.until).toISOString()})` : ''}\n`);
      return 0;
    }
    const approval = await desk.refuse(id, reason!, approver);
    process.stdout.write(`refused ${approval.id}: ${approval.tool} on ${approval.server}\n`);
    return 0;
  } finally {
    await desk.close();
  }
}

/** Decides in the store every toolgate process on the config shares; the holder of the call learns of it there. */
function storeDesk(config: Config): Desk {
  const store = openSharedApprovalStore(config, Date.now);
  const none = (id: string) => new ToolgateError('not_found', `No approval ${id}: nothing has been held yet with ${config.file} (there is no ${approvalsFile(config)})`);
  return {
    async list(all) {
      return store ? store.list(all ? {} : { status: 'pending' }) : [];
    },
    async approve(id, options) {
      if (!store) throw none(id);
      const pending = await pendingApproval(store, id);
      return storeDecision(store, id, approvalOf(pending, options, Date.now()));
    },
    async refuse(id, reason, approver) {
      if (!store) throw none(id);
      const decision = refusalOf(reason, approver);
      await pendingApproval(store, id);
      return storeDecision(store, id, decision);
    },
    async close() {
      await store?.close();
    },
  };
}

/** Decides through a running toolgate serve's admin API. */
function apiDesk(config: Config, port: string): Desk {
  config.listen.port = listenPort(port);
  const api = adminClient(config);
  return {
    async list(all) {
      return (await api('GET', `approvals${all ? '' : '?status=pending'}`)) as Approval[];
    },
    async approve(id, options) {
      return (await api('POST', `approvals/${encodeURIComponent(id)}/approve`, options)) as Approval;
    },
    async refuse(id, reason, approver) {
      return (await api('POST', `approvals/${encodeURIComponent(id)}/refuse`, { reason, approver })) as Approval;
    },
    async close() {},
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
