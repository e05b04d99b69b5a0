import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { ToolgateError } from '../errors.js';
import { inheritedEnvironment } from './child-environment.js';
import { errorResponse, isRequest, UPSTREAM_ERROR, type JsonRpcMessage } from './jsonrpc.js';
import { asSingleLine, LineSplitter } from './line-splitter.js';
import { STDERR_TAIL_LINES, type Upstream } from './upstream.js';

export interface StdioUpstreamOptions {
  serverId: string;
  command: string;
  args: string[];
  /** Added to the inherited safe environment (PATH, HOME, ...; child-environment.ts): the gateway's own secrets are not inherited. */
  env: Record<string, string>;
  cwd?: string;
  log: Logger;
  /** A longer stdout line ends the upstream (the gateway will not hold it); longer stderr lines are cut. */
  maxLineBytes: number;
}

const KILL_GRACE_MS = 2000;
/** Of each stderr line, this much is kept (for the log and error messages); the rest is skipped unread. */
const STDERR_LINE_CHARS = 2048;

/** An upstream MCP server run as a child process, speaking newline-delimited JSON-RPC on stdio. */
export class StdioUpstream implements Upstream {
  readonly label: string;
  readonly tiesMessagesToRequests = false;
  onmessage?: Upstream['onmessage'];
  onclose?: Upstream['onclose'];

  /** Resolves once the process is gone (exited, or never started): the moment it stops counting against limits. */
  readonly exited: Promise<void>;
  #child: ChildProcess;
  #stderrTail: string[] = [];
  #closing = false;
  #exited = false;
  #failure?: ToolgateError;
  readonly #log: Logger;

  constructor(private readonly options: StdioUpstreamOptions) {
    this.label = `upstream "${options.serverId}" (stdio: ${[options.command, ...options.args].join(' ')})`;
    this.#log = options.log;
    this.#child = spawn(options.command, options.args, {
      env: { ...inheritedEnvironment(), ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', () => resolve());
      this.#child.once('error', () => {
        if (this.#child.pid === undefined) resolve();
      });
    });
    this.#child.on('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'ENOENT' ? `: command "${options.command}" was not found; install it or fix servers.${options.serverId}.command` : `: ${error.message}`;
      this.#fail(new ToolgateError('upstream_unavailable', `Could not start ${this.label}${hint}`, { cause: error }));
    });
    this.#child.on('exit', (code, signal) => {
      this.#exited = true;
      if (this.#closing) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = this.#stderrTail.length ? `; its last stderr lines: ${this.#stderrTail.slice(-5).join(' | ')}` : '';
      this.#fail(new ToolgateError('upstream_closed', `${this.label} ${how}${tail}`));
    });
    this.#child.stdin!.on('error', (error) => this.#log.debug({ err: error }, 'upstream stdin error'));

    const maxBytes = options.maxLineBytes;
    const lines = new LineSplitter((line) => this.#receive(line), { maxBytes, overflow: 'drop', onTooLong: (bytes) => this.#lineTooLong(bytes, maxBytes) });
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => lines.push(chunk));
    const stderrLines = new LineSplitter(
      (line) => {
        this.#stderrTail.push(line);
        if (this.#stderrTail.length > STDERR_TAIL_LINES) this.#stderrTail.shift();
        this.#log.debug({ upstreamStderr: line }, 'upstream stderr');
      },
      { maxBytes: Math.min(maxBytes, STDERR_LINE_CHARS), overflow: 'truncate' },
    );
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderrLines.push(chunk));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  send(message: JsonRpcMessage, raw?: string): void {
    if (this.#failure || this.#closing) {
      this.#answerUndeliverable(message, this.#failure?.message ?? `${this.label} is closed`);
      return;
    }
    this.#child.stdin!.write(`${raw === undefined ? JSON.stringify(message) : asSingleLine(raw)}\n`);
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#exited || this.#child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin!.end();
    const term = setTimeout(() => this.#child.kill('SIGTERM'), KILL_GRACE_MS / 2);
    const kill = setTimeout(() => this.#child.kill('SIGKILL'), KILL_GRACE_MS);
    await exited;
    clearTimeout(term);
    clearTimeout(kill);
  }

  /** The upstream wrote a stdout line past the limit: it is ended, with an error that says so. */
  #lineTooLong(bytes: number, maxBytes: number): void {
    this.#fail(
      new ToolgateError(
        'limit_reached',
        `${this.label} wrote a message line of more than ${maxBytes} bytes (limits.max_line_bytes; ${bytes} so far), so toolgate ended it rather than hold the line; raise limits.max_line_bytes in the gateway's config if this server's messages are that large`,
        { data: { limit: 'limits.max_line_bytes', max: maxBytes } },
      ),
    );
    void this.close();
  }

  #receive(line: string): void {
    if (this.#failure) return;
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(line) as JsonRpcMessage;
    } catch {
      this.#log.warn({ line: line.slice(0, 200) }, `${this.label} wrote a line to stdout that is not JSON; ignored (servers must log to stderr)`);
      return;
    }
    this.onmessage?.(message, line);
  }

  #answerUndeliverable(message: JsonRpcMessage, reason: string): void {
    if (isRequest(message)) this.onmessage?.(errorResponse(message.id, UPSTREAM_ERROR, reason), undefined);
  }

  #fail(error: ToolgateError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#log.warn({ err: { code: error.code, message: error.message } }, 'upstream ended');
    this.onclose?.(error);
  }
}
