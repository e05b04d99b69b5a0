import type { Logger } from 'pino';
import type { ServerConfig } from '../config/types.js';
import { HttpUpstream } from '../transport/http-upstream.js';
import { StdioUpstream } from '../transport/stdio-upstream.js';
import type { Upstream } from '../transport/upstream.js';

/** Opens a fresh connection to a configured upstream server. */
export function connectUpstream(serverId: string, server: ServerConfig, log: Logger): Upstream {
  if (server.kind === 'http') {
    return new HttpUpstream({ serverId, url: server.url, headers: server.headers, log });
  }
  return new StdioUpstream({ serverId, command: server.command, args: server.args, env: server.env, cwd: server.cwd, log });
}
