/** Splits a byte stream into newline-terminated lines (stdio MCP framing), tolerating `\r\n`. */
export class LineSplitter {
  #pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    let start = 0;
    let text = this.#pending + chunk;
    let newline = text.indexOf('\n', start);
    while (newline !== -1) {
      let line = text.slice(start, newline);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length > 0) this.onLine(line);
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    this.#pending = text.slice(start);
    text = '';
  }
}

/** The text of a message as one stdio line: JSON text may be pretty-printed, stdio framing may not. */
export function asSingleLine(raw: string): string {
  return raw.includes('\n') || raw.includes('\r') ? JSON.stringify(JSON.parse(raw)) : raw;
}
