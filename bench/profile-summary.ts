#!/usr/bin/env node
/**
 * Where a `.cpuprofile` (from `node --cpu-prof`) spends its samples: self time per function with
 * its file:line, inclusive time per function (samples with it anywhere on the stack), and self
 * time per area (toolgate's own src/ files, each package in node_modules, Node's internals, GC).
 * Lines are 1-based and point into the compiled dist/ file; sources maps lead back to src/.
 *
 *   node dist/bench/profile-summary.js FILE.cpuprofile [--top 25] [--json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
  /** Samples per 1-based line of the compiled file, when V8 recorded them. */
  positionTicks?: Array<{ line: number; ticks: number }>;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** µs between consecutive samples (the first from startTime). */
  timeDeltas: number[];
  /** µs on the monotonic clock (the one process.hrtime reads). */
  startTime: number;
  endTime: number;
}

/** Only the samples taken in [from, to], µs on the monotonic clock (e.g. a load test's measured phase). */
export interface SampleWindow {
  fromMicros: number;
  toMicros: number;
}

export interface ProfileRow {
  name: string;
  /** `path:line` (1-based), shortened to what follows dist/ or node_modules/. */
  where: string;
  /**
   * For toolgate's compiled files with a source map: `src/….ts:line` of the function, and of its
   * line with the most self samples (self rows only).
   */
  source?: string;
  samples: number;
  percent: number;
}

export interface ProfileSummary {
  samples: number;
  seconds: number;
  self: ProfileRow[];
  inclusive: ProfileRow[];
  areas: ProfileRow[];
}

/** A path as a reader finds it: `src/transport/http-client.js`, `node_modules/ajv/...`, `node:internal/...`. */
function shortUrl(url: string): string {
  if (url === '') return '';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + 1);
  const dist = path.lastIndexOf('/dist/');
  if (dist >= 0) return path.slice(dist + 1);
  return path;
}

const maps = new Map<string, { map: SourceMap; lines: string[]; dir: string } | null>();

/** The source map of a compiled file (`x.js` → `x.js.map`), or null. */
function sourceMapOf(url: string): { map: SourceMap; lines: string[]; dir: string } | null {
  if (!url.startsWith('file://') || url.includes('/node_modules/')) return null;
  if (!maps.has(url)) {
    const file = fileURLToPath(url);
    let found: { map: SourceMap; lines: string[]; dir: string } | null = null;
    try {
      if (existsSync(`${file}.map`)) {
        found = { map: new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))), lines: readFileSync(file, 'utf8').split('\n'), dir: dirname(file) };
      }
    } catch {
      found = null;
    }
    maps.set(url, found);
  }
  return maps.get(url)!;
}

/** `src/x.ts:line` (1-based) for a 0-based line (and column) of a compiled file. */
function originalLine(url: string, line: number, column?: number): string | undefined {
  const sm = sourceMapOf(url);
  if (!sm) return undefined;
  const col = column ?? Math.max(0, (sm.lines[line] ?? '').search(/\S/));
  const entry = sm.map.findEntry(line, col) as { originalSource?: string; originalLine?: number };
  if (!entry || entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(sm.dir, entry.originalSource);
  // Show it from the build root: the part from src/ (or bench/, test/) on.
  const shown = relative(resolve(sm.dir), source).replace(/^(\.\.\/)+/, '');
  return `${shown}:${entry.originalLine + 1}`;
}

/** Which part of the program a frame belongs to. */
function areaOf(frame: ProfileNode['callFrame']): string {
  const url = shortUrl(frame.url);
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native or V8 builtins)';
  if (url.startsWith('node_modules/')) {
    const parts = url.split('/');
    return parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
  }
  if (url.startsWith('node:')) return url.startsWith('node:internal/') ? 'node:internal' : url;
  if (url.startsWith('dist/')) return url; // one row per toolgate (or bench) file
  return url;
}

export function summarize(profile: CpuProfile, top = 25, window?: SampleWindow): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  let samples = profile.samples;
  let seconds = (profile.endTime - profile.startTime) / 1e6;
  if (window) {
    samples = [];
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i] ?? 0;
      if (at >= window.fromMicros && at <= window.toMicros) samples.push(profile.samples[i]);
    }
    seconds = (Math.min(window.toMicros, profile.endTime) - Math.max(window.fromMicros, profile.startTime)) / 1e6;
  }
  const total = samples.length;
  const key = (frame: ProfileNode['callFrame']) => `${frame.functionName || '(anonymous)'}\u0000${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  const countsById = new Map<number, number>();
  /** Per self key: samples per compiled line (from positionTicks, scaled to the window's samples). */
  const lineTicks = new Map<string, Map<number, number>>();
  const urlOf = new Map<string, ProfileNode['callFrame']>();
  for (const id of samples) countsById.set(id, (countsById.get(id) ?? 0) + 1);
  for (const [id, count] of countsById) {
    const node = byId.get(id);
    if (!node) continue;
    const k = key(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + count);
    urlOf.set(k, node.callFrame);
    if (node.positionTicks?.length) {
      const hits = node.positionTicks.reduce((a, p) => a + p.ticks, 0);
      const lines = lineTicks.get(k) ?? new Map<number, number>();
      for (const p of node.positionTicks) lines.set(p.line, (lines.get(p.line) ?? 0) + (count * p.ticks) / hits);
      lineTicks.set(k, lines);
    }
    const area = areaOf(node.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + count);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.functionName === '(root)') continue;
      const fk = key(frame);
      if (seen.has(fk)) continue;
      seen.add(fk);
      urlOf.set(fk, frame);
      inclusive.set(fk, (inclusive.get(fk) ?? 0) + count);
    }
  }
  const rows = (map: Map<string, number>, split: boolean): ProfileRow[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, samples]) => {
        const [name, where] = split ? k.split('\u0000') : [k, ''];
        const row: ProfileRow = { name, where, samples, percent: total ? (100 * samples) / total : 0 };
        const frame = urlOf.get(k);
        if (split && frame) {
          const fn = originalLine(frame.url, frame.lineNumber, frame.columnNumber);
          const lines = map === self ? lineTicks.get(k) : undefined;
          const hottest = lines && [...lines.entries()].sort((a, b) => b[1] - a[1])[0];
          const hot = hottest ? originalLine(frame.url, hottest[0] - 1) : undefined;
          if (fn) row.source = hot && hot !== fn ? `${fn}, hottest line ${hot.split(':').pop()} (${((100 * hottest![1]) / samples).toFixed(0)}% of its samples)` : fn;
        }
        return row;
      });
  return {
    samples: total,
    seconds,
    self: rows(self, true),
    inclusive: rows(inclusive, true),
    areas: rows(areas, false),
  };
}

export function summaryText(summary: ProfileSummary): string {
  const table = (title: string, rows: ProfileRow[]) => [
    `${title}:`,
    ...rows.map((r) => `  ${r.percent.toFixed(1).padStart(5)}%  ${String(r.samples).padStart(6)}  ${r.name}${r.where ? `  ${r.where}` : ''}${r.source ? `  [${r.source}]` : ''}`),
  ];
  return [
    `${summary.samples} samples over ${summary.seconds.toFixed(1)} s`,
    ...table('self time by area', summary.areas),
    ...table('self time by function', summary.self),
    ...table('inclusive time by function (on the stack)', summary.inclusive),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, json: { type: 'boolean', default: false } } });
  if (positionals.length !== 1) throw new Error('usage: profile-summary.js FILE.cpuprofile [--top N] [--json]');
  const summary = summarize(JSON.parse(readFileSync(positionals[0], 'utf8')) as CpuProfile, Number(values.top));
  process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${summaryText(summary)}\n`);
}
