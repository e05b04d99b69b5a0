#!/usr/bin/env node
/**
 * Stdio line framing speed: one 32 MB line (and one of 128 MB cut at the default 4 MB limit, as
 * an upstream's stderr would be) pushed through LineSplitter in 64 KB chunks, as a pipe delivers
 * it. Linear splitting takes tens of milliseconds; appending chunk to pending text took seconds.
 *
 *   node dist/bench/line-framing.js      prints one JSON object on stdout
 */
import { LineSplitter } from '../src/transport/line-splitter.js';

export interface LineFramingResult {
  /** ms to split a 32 MB line delivered in 64 KB chunks (limit above it: the line is delivered). */
  line32MbMs: number;
  /** ms to read a 128 MB line past a 4 MB limit in truncate mode (kept: 2 KB). */
  cut128MbMs: number;
}

const CHUNK = 'x'.repeat(64 * 1024);

function timeLine(megabytes: number, maxBytes: number, overflow: 'drop' | 'truncate'): number {
  let delivered = 0;
  const splitter = new LineSplitter((line) => (delivered += line.length), { maxBytes, overflow });
  const chunks = (megabytes * 1024 * 1024) / CHUNK.length;
  const started = performance.now();
  for (let i = 0; i < chunks; i++) splitter.push(CHUNK);
  splitter.push('\n');
  const ms = performance.now() - started;
  if (delivered === 0) throw new Error('the line was not delivered');
  return ms;
}

export function measureLineFraming(): LineFramingResult {
  timeLine(4, 64 * 1024 * 1024, 'drop'); // warm-up
  return {
    line32MbMs: timeLine(32, 64 * 1024 * 1024, 'drop'),
    cut128MbMs: timeLine(128, 2048, 'truncate'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(measureLineFraming())}\n`);
}
