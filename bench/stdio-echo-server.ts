#!/usr/bin/env node
/**
 * The stdio twin of http-echo-server: newline-delimited JSON-RPC on stdin/stdout, no SDK.
 * Answers to one chunk of input are written with one `write`, as a fast server would.
 * Exits when stdin ends (the gateway closed the session) or its parent dies.
 */
import { answer, exitWithParent } from './echo-protocol.js';

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  const text = pending + chunk;
  let out = '';
  let start = 0;
  for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
    const line = text.slice(start, newline).trim();
    start = newline + 1;
    if (line === '') continue;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      process.stderr.write(`stdio-echo-server: ignored a line that is not JSON: ${line.slice(0, 100)}\n`);
      continue;
    }
    const reply = answer(message);
    if (reply.kind === 'response') out += `${reply.body}\n`;
  }
  pending = text.slice(start);
  if (out !== '') process.stdout.write(out);
});
process.stdin.on('end', () => process.exit(0));
exitWithParent();
