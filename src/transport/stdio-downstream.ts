import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { ToolgateError } from '../errors.js';
import type { ClientSession, Downstream } from './client-session.js';
import { answerableId, envelopeProblem, errorResponse, INVALID_REQUEST, PARSE_ERROR, type JsonRpcMessage } from './jsonrpc.js';
import { asSingleLine, LineSplitter, lineTooLong } from './line-splitter.js';

/**
 * Serves one client over stdio (newline-delimited JSON-RPC), for desktop clients that can only
 * launch servers as processes. stdout carries protocol messages only; logs go to stderr.
 */
export class StdioDownstream implements Downstream {
  constructor(
    private readonly session: ClientSession,
    private readonly output: Writable,
    private readonly log: Logger,
    private readonly onEnd: (error: ToolgateError) => void,
    private readonly maxLineBytes: number,
    private readonly maxJsonDepth: number,
  ) {
    session.downstream = this;
  }

  /** Starts reading client messages from `input`; resolves when the client closes it. */
  run(input: Readable): Promise<void> {
    const lines = new LineSplitter((line) => this.#receive(line), { maxBytes: this.maxLineBytes, overflow: 'drop', onTooLong: (bytes) => this.send(lineTooLong(bytes, this.maxLineBytes, 'stdin'), undefined) });
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => lines.push(chunk));
    return new Promise((resolve) => input.once('end', resolve));
  }

  send(message: JsonRpcMessage, raw: string | undefined): void {
    this.output.write(`${raw === undefined ? JSON.stringify(message) : asSingleLine(raw)}\n`);
  }

  abandon(): void {
    // stdio has no per-request stream to release
  }

  end(error: ToolgateError): void {
    this.onEnd(error);
  }

  #receive(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.send(errorResponse(null, PARSE_ERROR, `Parse error: a line on stdin is not valid JSON (${(error as Error).message})`), undefined);
      return;
    }
    const problem = envelopeProblem(message, this.maxJsonDepth);
    if (problem) {
      this.send(errorResponse(answerableId(message), INVALID_REQUEST, `Invalid request: ${problem}`), undefined);
      this.log.warn({ problem }, 'invalid message from the stdio client');
      return;
    }
    this.session.handleClientMessage(message as JsonRpcMessage, line);
  }
}
