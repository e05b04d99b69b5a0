import { errorAnswer } from '../error-table.js';
import { errorResponse, type JsonRpcError } from './jsonrpc.js';

/** What happens to a line longer than `maxBytes`. */
export interface LineLimit {
  maxBytes: number;
  /**
   * `drop`: the line is not delivered; `onTooLong` is told as soon as it passes the limit, and
   * the rest of it is skipped up to its newline. `truncate`: its first `maxBytes` characters
   * are delivered with a note of how much was cut (for logs, such as an upstream's stderr).
   */
  overflow: 'drop' | 'truncate';
  onTooLong?: (bytesSoFar: number) => void;
}

/**
 * Splits a byte stream into newline-terminated lines (stdio MCP framing), tolerating `\r\n`.
 * Linear in the input: each chunk is searched once, and the pieces of an unfinished line are
 * kept in a list and joined once when its newline arrives (appending chunk to chunk would copy
 * the line again with every chunk: quadratic, seconds for a line of a few MB). No line is held
 * beyond `limit.maxBytes`.
 */
export class LineSplitter {
  #parts: string[] = [];
  #bytes = 0;
  /** The current line passed the limit: the rest of it, up to the newline, is skipped. */
  #skipping = false;
  #skippedChars = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly limit: LineLimit,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      if (newline > start) this.#take(chunk.slice(start, newline));
      this.#endLine();
      start = newline + 1;
    }
    if (start < chunk.length) this.#take(start === 0 ? chunk : chunk.slice(start));
  }

  #take(piece: string): void {
    if (this.#skipping) {
      this.#skippedChars += piece.length;
      return;
    }
    const bytes = Buffer.byteLength(piece, 'utf8');
    if (this.#bytes + bytes <= this.limit.maxBytes) {
      this.#parts.push(piece);
      this.#bytes += bytes;
      return;
    }
    this.#skipping = true;
    if (this.limit.overflow === 'truncate') {
      const kept = piece.slice(0, Math.max(0, this.limit.maxBytes - this.#bytes));
      this.#parts.push(kept);
      this.#skippedChars = piece.length - kept.length;
      return;
    }
    const seen = this.#bytes + bytes;
    this.#parts = [];
    this.#bytes = 0;
    this.limit.onTooLong?.(seen);
  }

  #endLine(): void {
    const parts = this.#parts;
    const cut = this.#skipping && this.limit.overflow === 'truncate' ? this.#skippedChars : 0;
    const dropped = this.#skipping && this.limit.overflow === 'drop';
    this.#parts = [];
    this.#bytes = 0;
    this.#skipping = false;
    this.#skippedChars = 0;
    if (dropped || parts.length === 0) return;
    let line = parts.length === 1 ? parts[0] : parts.join('');
    if (cut > 0) {
      line = `${line} [... ${cut} more characters cut: the line is longer than limits.max_line_bytes]`;
    } else if (line.endsWith('\r')) {
      line = line.slice(0, -1);
    }
    if (line.length > 0) this.onLine(line);
  }
}

/** The answer to a client line that was too long to read (it has no id: it was never parsed). */
export function lineTooLong(bytesSoFar: number, maxBytes: number, where: string): JsonRpcError {
  return errorResponse(
    null,
    errorAnswer('limit_reached').jsonRpc,
    `A line on ${where} is longer than limits.max_line_bytes (${maxBytes} bytes; this one passed ${bytesSoFar}); it was dropped. Send smaller messages, or raise limits.max_line_bytes in the gateway's config`,
    { limit: 'limits.max_line_bytes', max: maxBytes },
  );
}

/** The text of a message as one stdio line: JSON text may be pretty-printed, stdio framing may not. */
export function asSingleLine(raw: string): string {
  return raw.includes('\n') || raw.includes('\r') ? JSON.stringify(JSON.parse(raw)) : raw;
}
