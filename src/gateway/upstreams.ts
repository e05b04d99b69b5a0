import type { Logger } from 'pino';
import type { LimitsConfig, ServerConfig } from '../config/types.js';
import { ToolgateError } from '../errors.js';
import { HttpUpstream } from '../transport/http-upstream.js';
import { StdioUpstream } from '../transport/stdio-upstream.js';
import type { Upstream } from '../transport/upstream.js';

/**
 * Opens connections to configured upstream servers and counts the processes they run: a stdio
 * server may have at most `maxProcesses()` processes alive at once, so a burst of sessions cannot
 * fork the machine to death. A process counts from its spawn until it has exited. Stdio framing
 * is bounded by `limits.max_line_bytes`.
 */
export class UpstreamConnector {
  readonly #running = new Map<string, number>();

  constructor(private readonly limits: () => Pick<LimitsConfig, 'maxProcessesPerServer' | 'maxLineBytes'>) {}

  /** Upstream processes alive now for one server. */
  processes(serverId: string): number {
    return this.#running.get(serverId) ?? 0;
  }

  /**
   * A fresh connection; throws `limit_reached` when a stdio server already runs its maximum of
   * processes. `shared`: the one process of a `sessions: shared` server, bounded by design (it is
   * counted, never refused: its restart may overlap the exit of the process it replaces).
   */
  connect(serverId: string, server: ServerConfig, log: Logger, shared = false): Upstream {
    const { maxProcessesPerServer: max, maxLineBytes } = this.limits();
    if (server.kind === 'http') {
      return new HttpUpstream({ serverId, url: server.url, headers: server.headers, log, maxMessageBytes: maxLineBytes });
    }
    const running = this.processes(serverId);
    if (running >= max && !shared) {
      throw new ToolgateError(
        'limit_reached',
        `Too many upstream processes: server "${serverId}" already runs ${running}, the most limits.max_processes_per_server (${max}) allows; end idle sessions (DELETE), wait for idle ones to expire, or raise limits.max_processes_per_server in the gateway's config`,
        { data: { limit: 'limits.max_processes_per_server', max, server: serverId } },
      );
    }
    const upstream = new StdioUpstream({ serverId, command: server.command, args: server.args, env: server.env, cwd: server.cwd, log, maxLineBytes });
    this.#running.set(serverId, running + 1);
    void upstream.exited.then(() => {
      const left = this.processes(serverId) - 1;
      if (left > 0) this.#running.set(serverId, left);
      else this.#running.delete(serverId);
    });
    return upstream;
  }
}
