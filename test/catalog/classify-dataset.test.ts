/**
 * The classifier against the labelled real tool definitions. Prints confusion matrices, the
 * agreement per file and every disagreement (run with `node --test` to see them as diagnostics),
 * and holds the quality bar: at least 95% of categories and 90% of risk levels agree, over all tools
 * and as the mean over servers (grouped by server). The servers held out while the rules were
 * written are reported apart.
 *
 * The dataset is kept in the repository (`test/data/tooldefs`, with the labelling rubric
 * `RUBRIC.md`); `TOOLGATE_TOOLDEFS` points the test at another labelled set. A second set of
 * servers outside it (`test/data/tooldefs-heldout`), labelled before the classifier saw them, is
 * measured apart as the check on generalisation.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { classifyTool } from '../../src/catalog/classify.js';
import {
  CATEGORIES,
  RISK_LEVELS,
  agreement,
  classifyAll,
  confusionMatrix,
  datasetDir,
  disagreementLine,
  groupedByServer,
  heldOut,
  heldOutDatasetDir,
  loadDataset,
  percent,
} from './dataset.js';

const dir = datasetDir();

/** The floor on the per-server mean: every server counts, the small ones as much as the large. */
const GROUPED_FLOOR = { category: 0.95, risk: 0.9 };

/** A missing dataset is a failure, not a skip: the quality bar must not silently disappear. */
function requireDataset(): void {
  assert.ok(existsSync(dir), `labelled dataset not found at ${dir}: restore test/data/tooldefs or set TOOLGATE_TOOLDEFS`);
}

test('labelled tool definitions: agreement with the labels', (t) => {
  requireDataset();
  const files = loadDataset(dir);
  assert.ok(files.length > 0, `no .json files in ${dir}`);
  const outcomes = classifyAll(files);
  const total = agreement(outcomes);

  t.diagnostic(`${outcomes.length} tools in ${files.length} files from ${dir}`);
  t.diagnostic(`category agreement ${percent(total.category)}, risk agreement ${percent(total.risk)}`);
  for (const line of confusionMatrix(outcomes, CATEGORIES, (c) => c.category).split('\n')) t.diagnostic(`category ${line}`);
  for (const line of confusionMatrix(outcomes, RISK_LEVELS, (c) => c.risk).split('\n')) t.diagnostic(`risk     ${line}`);

  for (const f of files) {
    const a = agreement(outcomes.filter((o) => o.file === f.file));
    t.diagnostic(`file ${f.file}: ${a.tools} tools, category ${percent(a.category)}, risk ${percent(a.risk)}`);
  }
  const grouped = groupedByServer(outcomes);
  t.diagnostic(`grouped by server (${grouped.servers} servers, each counted once): category ${percent(grouped.category)}, risk ${percent(grouped.risk)}; worst ${grouped.worst.file}: category ${percent(grouped.worst.category)}, risk ${percent(grouped.worst.risk)}`);
  const { tuned, held } = heldOut(files);
  const tunedOutcomes = classifyAll(tuned);
  const heldOutcomes = classifyAll(held);
  const ta = agreement(tunedOutcomes);
  const ha = agreement(heldOutcomes);
  t.diagnostic(`servers the rules were written on (${tuned.length} files, ${ta.tools} tools): category ${percent(ta.category)}, risk ${percent(ta.risk)}`);
  t.diagnostic(`servers first held out (86.0% / 73.1% before their disagreements were read; ${held.length} files, ${ha.tools} tools: ${held.map((f) => f.server).join(', ')}): category ${percent(ha.category)}, risk ${percent(ha.risk)}`);
  for (const line of confusionMatrix(heldOutcomes, CATEGORIES, (c) => c.category).split('\n')) t.diagnostic(`held-out category ${line}`);
  for (const line of confusionMatrix(heldOutcomes, RISK_LEVELS, (c) => c.risk).split('\n')) t.diagnostic(`held-out risk     ${line}`);

  const wrong = outcomes.filter((o) => o.got.category !== o.tool.label.category || o.got.risk !== o.tool.label.risk);
  for (const o of wrong) t.diagnostic(`disagreement ${disagreementLine(o)} — ${o.got.rationale.join(' ')}`);

  assert.ok(total.category >= 0.95, `category agreement ${percent(total.category)} is below 95%`);
  assert.ok(total.risk >= 0.9, `risk agreement ${percent(total.risk)} is below 90%`);
  assert.ok(grouped.category >= GROUPED_FLOOR.category, `grouped category agreement ${percent(grouped.category)} is below ${percent(GROUPED_FLOOR.category)}`);
  assert.ok(grouped.risk >= GROUPED_FLOOR.risk, `grouped risk agreement ${percent(grouped.risk)} is below ${percent(GROUPED_FLOOR.risk)}`);
});

/**
 * The separate held-out set (`test/data/tooldefs-heldout`): real servers outside the main dataset,
 * labelled before the classifier was run on them. First run, before any of their disagreements
 * was read: category 93.4% / risk 72.5% over the first batch's 167 tools (98.0% / 83.6% grouped
 * by server); after the rubric principles they showed missing were fixed, 98.2% / 87.4%. A second
 * batch (44 tools), labelled after those fixes and before the classifier ran on it, then scored
 * 84.1% / 65.9% on first run, and 97.7% / 90.9% once its disagreements were fixed too. Both
 * batches have now been tuned on, so the figure is a regression check, like the first held-out
 * servers'; the next unseen server is the honest measure. The floor sits below it, so a regression fails while the figure stays honest.
 */
const HELD_OUT_FLOOR = { category: 0.95, risk: 0.85 };

test('held-out servers outside the dataset: agreement reported apart, with its own floor', (t) => {
  const heldDir = heldOutDatasetDir();
  assert.ok(existsSync(heldDir), `held-out dataset not found at ${heldDir}: restore test/data/tooldefs-heldout or set TOOLGATE_TOOLDEFS_HELDOUT`);
  const files = loadDataset(heldDir);
  assert.ok(files.length > 0, `no .json files in ${heldDir}`);
  const outcomes = classifyAll(files);
  const total = agreement(outcomes);
  const grouped = groupedByServer(outcomes);
  t.diagnostic(`held-out set: ${outcomes.length} tools in ${files.length} files from ${heldDir} (first runs: batch 1, 167 tools, 93.4% / 72.5%; batch 2, 44 tools, 84.1% / 65.9%)`);
  t.diagnostic(`held-out set now: category ${percent(total.category)}, risk ${percent(total.risk)}; grouped by server: category ${percent(grouped.category)}, risk ${percent(grouped.risk)}`);
  for (const f of files) {
    const a = agreement(outcomes.filter((o) => o.file === f.file));
    t.diagnostic(`held-out file ${f.file}: ${a.tools} tools, category ${percent(a.category)}, risk ${percent(a.risk)}`);
  }
  for (const line of confusionMatrix(outcomes, RISK_LEVELS, (c) => c.risk).split('\n')) t.diagnostic(`held-out set risk ${line}`);
  const wrong = outcomes.filter((o) => o.got.category !== o.tool.label.category || o.got.risk !== o.tool.label.risk);
  for (const o of wrong) t.diagnostic(`held-out disagreement ${disagreementLine(o)} — ${o.got.rationale.join(' ')}`);

  assert.ok(total.category >= HELD_OUT_FLOOR.category, `held-out category agreement ${percent(total.category)} is below ${percent(HELD_OUT_FLOOR.category)}`);
  assert.ok(total.risk >= HELD_OUT_FLOOR.risk, `held-out risk agreement ${percent(total.risk)} is below ${percent(HELD_OUT_FLOOR.risk)}`);
});

test('reference case: build_and_push_image_to_ecr is Execute / High with its two required parameters', () => {
  requireDataset();
  const file = loadDataset(dir).find((f) => f.tools.some((t) => t.name === 'build_and_push_image_to_ecr'));
  assert.ok(file, 'the seed tool file is missing from the dataset');
  const def = file.tools.find((t) => t.name === 'build_and_push_image_to_ecr');
  assert.ok(def);
  const got = classifyTool(def, file.server);
  assert.equal(got.category, 'Execute');
  assert.equal(got.risk, 'High');
  assert.deepEqual(got.requiredParams, ['app_name', 'app_path']);
});

test('no poisoning alarm on the real, honest definitions', () => {
  requireDataset();
  const alarms = classifyAll(loadDataset(dir)).filter((o) => o.got.findings.some((f) => f.kind === 'poisoning'));
  assert.deepEqual(alarms.map((o) => `${o.file} ${o.tool.name}`), []);
});
