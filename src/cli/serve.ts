import type { AdminToken } from '../admin/token.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import { watchConfig } from '../gateway/config-watcher.js';
import { Gateway } from '../gateway/gateway.js';
import { localAgent } from '../identity/local-agent.js';
import { installSafetyNet } from '../gateway/safety-net.js';
import { createLogger } from '../log.js';
import { StdioDownstream } from '../transport/stdio-downstream.js';
import { clientSnippets } from './client-snippets.js';
import { VERSION } from './version.js';

/** `toolgate serve`: the HTTP gateway, until SIGINT/SIGTERM. */
export async function serveCommand(file: string, overrides: { port?: number } = {}): Promise<number> {
  const config = await loadConfig(file);
  if (overrides.port !== undefined) config.listen.port = overrides.port;
  const log = createLogger(config.log.level);
  const removeSafetyNet = installSafetyNet(log);
  const gateway = new Gateway({ config, log });
  let address: Awaited<ReturnType<Gateway['listen']>>;
  try {
    address = await gateway.listen();
  } catch (error) {
    await gateway.close();
    removeSafetyNet();
    throw listenError(error, config.listen);
  }
  const stopWatching = watchConfig(config.file!, (next) => gateway.reload({ ...next, listen: config.listen }), log, () => gateway.reloadRefused());
  log.info({ url: address.url, servers: gateway.serverIds(), policyRevision: gateway.policy().revision }, 'listening');
  process.stdout.write(banner(config, address.url, gateway.policy().revision, gateway.admin?.token));
  // List every server once now: the dashboard's catalog is ready, and tools changed while the
  // gateway was down are caught against their pins before any agent calls them.
  void gateway.admin?.catalog.refresh();

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopWatching();
  await gateway.close();
  removeSafetyNet();
  return 0;
}

/** `toolgate stdio <server-id>`: one client on stdin/stdout, one upstream session. */
export async function stdioCommand(serverId: string | undefined, file: string, agentName?: string): Promise<number> {
  const config = await loadConfig(file);
  if (!serverId) throw new ToolgateError('unknown_server', `toolgate stdio needs a server id; configured: ${Object.keys(config.servers).join(', ')}`);
  if (!config.servers[serverId]) {
    throw new ToolgateError('unknown_server', `No MCP server "${serverId}" in ${file}; configured: ${Object.keys(config.servers).join(', ')}`);
  }
  const log = createLogger(config.log.level);
  const removeSafetyNet = installSafetyNet(log);
  const gateway = new Gateway({ config, log });
  const stopWatching = watchConfig(config.file!, (next) => gateway.reload(next), log, () => gateway.reloadRefused());
  const session = gateway.openSession(serverId, undefined, localAgent(config.auth, agentName));
  let exitCode = 0;
  const downstream = new StdioDownstream(session, process.stdout, log, (error) => {
    log.error({ err: { code: error.code, message: error.message } }, 'the upstream ended; stopping');
    exitCode = 1;
    process.stdin.destroy();
    process.stdin.emit('end');
  }, config.limits.maxLineBytes, config.limits.maxJsonDepth);
  await downstream.run(process.stdin);
  stopWatching();
  await gateway.close();
  await session.close();
  removeSafetyNet();
  return exitCode;
}

/** A port that cannot be opened, said the way a newcomer can act on (the error itself is only a code). */
function listenError(error: unknown, listen: Config['listen']): unknown {
  const where = `${listen.host}:${listen.port}`;
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new ToolgateError('conflict', `port ${listen.port} is in use; use -p PORT (or listen.port in the config)`, { cause: error });
    case 'EACCES':
      return new ToolgateError('conflict', `port ${listen.port} may not be opened by this user (ports below 1024 need privileges); use -p PORT (or listen.port in the config)`, { cause: error });
    case 'EADDRNOTAVAIL':
      return new ToolgateError('conflict', `cannot listen on ${where}: ${listen.host} is not an address of this machine; fix listen.host in the config (127.0.0.1 for this machine only)`, { cause: error });
    default:
      return error;
  }
}

function banner(config: Config, baseUrl: string, revision: string, admin?: AdminToken): string {
  const ids = Object.keys(config.servers);
  const width = Math.max(...ids.map((id) => id.length), 6);
  const rows = ids.map((id) => {
    const server = config.servers[id];
    const upstream = server.kind === 'http' ? server.url : `stdio: ${[server.command, ...server.args].join(' ')}`;
    return `  ${id.padEnd(width)}  ${baseUrl}/mcp/${encodeURIComponent(id)}   (${upstream})`;
  });
  return [
    `toolgate ${VERSION} — listening on ${baseUrl} (mode ${config.mode}, policy revision ${revision})`,
    '',
    ...dashboardLines(baseUrl, admin),
    'Proxy URLs:',
    ...rows,
    '',
    clientSnippets({ baseUrl, serverIds: ids, configFile: config.file ?? 'toolgate.yaml' }),
    '',
    'Edit the config file to change the policy; it is reloaded while running. Ctrl-C stops.',
    '',
  ].join('\n');
}

// --- admin (owned by src/admin) ---
/** The dashboard URL, and the admin token itself only on the start that generated it. */
function dashboardLines(baseUrl: string, admin: AdminToken | undefined): string[] {
  if (!admin) return [];
  const where =
    admin.source === 'generated' ? `${admin.token}   (new; shown only this once, kept in ${admin.file})` :
    admin.source === 'file' ? `in ${admin.file}` : 'admin.token in the config';
  return [`Dashboard: ${baseUrl}/dashboard   (metrics: ${baseUrl}/metrics)`, `Admin token: ${where}`, ''];
}
// --- end admin ---
