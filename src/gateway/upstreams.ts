import type { Logger } from 'pino';
import type { ServerConfig } from '../config/types.js';
import { HttpUpstream } from '../transport/http-upstream.js';
import { StdioUpstream } from '../transport/stdio-upstream.js';
import type { Upstream } from '../transport/upstream.js';

export interface UpstreamConnection {
  upstream: Upstream;
  /** Whether the transport says which request each server message belongs to. */
  tiesMessages: boolean;
}

/** Opens a fresh connection to a configured upstream server. */
export function connectUpstream(serverId: string, server: ServerConfig, log: Logger): UpstreamConnection {
  if (server.kind === 'http') {
    return { upstream: new HttpUpstream({ serverId, url: server.url, headers: server.headers, log }), tiesMessages: true };
  }
  return {
    upstream: new StdioUpstream({ serverId, command: server.command, args: server.args, env: server.env, cwd: server.cwd, log }),
    tiesMessages: false,
  };
}
