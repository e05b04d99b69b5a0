/**
 * The labelled real tool definitions (`test/data/tooldefs`, a copy of the shared labelled set) and the measurements the
 * dataset test reports: agreement per file, confusion matrices, disagreements. Kept apart from
 * the test so the same numbers can be printed while tuning.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyTool } from '../../src/catalog/classify.js';
import type { Category, Classification, Risk, ToolDefinition } from '../../src/catalog/types.js';

export const CATEGORIES: readonly Category[] = ['Read', 'Write', 'Execute', 'Destructive', 'Financial', 'Communication', 'Admin'];
export const RISK_LEVELS: readonly Risk[] = ['Low', 'Medium', 'High', 'Critical'];

export interface LabelledTool extends ToolDefinition {
  label: { category: Category; risk: Risk };
}

export interface DatasetFile {
  file: string;
  server: string;
  tools: LabelledTool[];
}

export interface Outcome {
  file: string;
  server: string;
  tool: LabelledTool;
  got: Classification;
}

/**
 * `TOOLGATE_TOOLDEFS`, else the copy kept in the repository (`test/data/tooldefs`, found from
 * this compiled file: `dist/test/catalog/` → three levels up), so a fresh clone tests itself.
 */
export function datasetDir(): string {
  if (process.env.TOOLGATE_TOOLDEFS) return path.resolve(process.env.TOOLGATE_TOOLDEFS);
  return fileURLToPath(new URL('../../../test/data/tooldefs/', import.meta.url));
}

/**
 * `TOOLGATE_TOOLDEFS_HELDOUT`, else `test/data/tooldefs-heldout`: servers outside the main dataset,
 * labelled by the same rubric before the classifier was first run on them (see its README).
 */
export function heldOutDatasetDir(): string {
  if (process.env.TOOLGATE_TOOLDEFS_HELDOUT) return path.resolve(process.env.TOOLGATE_TOOLDEFS_HELDOUT);
  return fileURLToPath(new URL('../../../test/data/tooldefs-heldout/', import.meta.url));
}

export function loadDataset(dir = datasetDir()): DatasetFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const parsed = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { server: string; tools: LabelledTool[] };
      return { file, server: parsed.server, tools: parsed.tools };
    });
}

export function classifyAll(files: DatasetFile[]): Outcome[] {
  return files.flatMap((f) => f.tools.map((tool) => ({ file: f.file, server: f.server, tool, got: classifyTool(tool, f.server) })));
}

export interface Agreement {
  tools: number;
  category: number;
  risk: number;
}

export function agreement(outcomes: Outcome[]): Agreement {
  const n = outcomes.length;
  const cat = outcomes.filter((o) => o.got.category === o.tool.label.category).length;
  const risk = outcomes.filter((o) => o.got.risk === o.tool.label.risk).length;
  return { tools: n, category: n === 0 ? 1 : cat / n, risk: n === 0 ? 1 : risk / n };
}

/** A confusion matrix as text: rows are labels, columns are the classifier's answers. */
export function confusionMatrix<T extends string>(outcomes: Outcome[], values: readonly T[], pick: (c: { category: Category; risk: Risk }) => T): string {
  const width = Math.max(...values.map((v) => v.length), 'label/got'.length) + 1;
  const pad = (s: string): string => s.padStart(width);
  const lines = [pad('label/got') + values.map(pad).join('')];
  for (const row of values) {
    const cells = values.map((col) => String(outcomes.filter((o) => pick(o.tool.label) === row && pick(o.got) === col).length));
    lines.push(pad(row) + cells.map(pad).join(''));
  }
  return lines.join('\n');
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/**
 * Agreement grouped by server: each server counts once, whatever its size, so a classifier that
 * only knows the big servers' words cannot hide behind them. The classifier is written by hand,
 * not fitted, so "leave one server out" is each server's own agreement; the mean and the worst of
 * those are the grouped figures.
 */
export function groupedByServer(outcomes: Outcome[]): { servers: number; category: number; risk: number; worst: { file: string; category: number; risk: number } } {
  const files = [...new Set(outcomes.map((o) => o.file))];
  const per = files.map((file) => ({ file, ...agreement(outcomes.filter((o) => o.file === file)) }));
  const mean = (pick: (a: Agreement) => number): number => per.reduce((sum, a) => sum + pick(a), 0) / Math.max(1, per.length);
  const worst = per.reduce((w, a) => (a.category + a.risk < w.category + w.risk ? a : w), per[0] ?? { file: '', tools: 0, category: 1, risk: 1 });
  return { servers: per.length, category: mean((a) => a.category), risk: mean((a) => a.risk), worst };
}

/**
 * The servers held out while the rubric-based classifier was first written (every fourth file in
 * sorted order, from the third). Measured before any of their disagreements were read, they
 * scored 86.0% category / 73.1% risk against 97.5% / 89.5% on the others; they were tuned on
 * afterwards, so their figure now is a regression check, not a held-out measure. A new labelled
 * server added here is the honest test of generalisation: read its number before its mistakes.
 */
export function heldOut(files: DatasetFile[]): { tuned: DatasetFile[]; held: DatasetFile[] } {
  return { tuned: files.filter((_, i) => i % 4 !== 2), held: files.filter((_, i) => i % 4 === 2) };
}

export function disagreementLine(o: Outcome): string {
  const cat = o.got.category === o.tool.label.category ? o.got.category : `${o.got.category} (label ${o.tool.label.category})`;
  const risk = o.got.risk === o.tool.label.risk ? o.got.risk : `${o.got.risk} (label ${o.tool.label.risk})`;
  return `${o.file} ${o.tool.name}: ${cat} / ${risk}`;
}
