/**
 * Runs the MCP conformance suite (`@modelcontextprotocol/conformance`, server mode) against
 * a URL and turns its output into per-scenario results that two runs can be compared by.
 *
 * The suite needs Node >= 22 and lives in .tools/conformance (scripts/install-conformance.sh).
 * Results are read from the suite's machine-readable output, `-o <dir>`, which holds one
 * `server-<scenario>-<timestamp>/checks.json` per scenario; the `=== SUMMARY ===` lines on
 * stdout fill in any scenario whose checks.json is missing (a scenario that crashed).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../helpers/processes.js';

/** A check's verdict as the suite writes it. INFO checks are logs, not verdicts. */
export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';

/**
 * - `pass`: at least one check succeeded, none failed or warned;
 * - `warning`: no check failed, at least one SHOULD-level check warned;
 * - `fail`: at least one check failed (the suite's exit code is then 1);
 * - `no-verdict`: only INFO checks (the suite judged the scenario not applicable).
 */
export type ScenarioStatus = 'pass' | 'warning' | 'fail' | 'no-verdict';

export interface CheckOutcome {
  id: string;
  status: CheckStatus;
  errorMessage?: string;
}

export interface ConformanceOptions {
  /**
   * Which installed suite: `2025` (the pinned 0.1.x, default) or `2026` (the release with the
   * 2026-07-28 scenarios; pass `specVersion` with it, or it runs every draft and extension too).
   */
  suiteRelease?: SuiteRelease;
  /** Which scenarios: the suite's "active" (default there), "all" (adds pending), "pending". Default "all". */
  suite?: 'active' | 'all' | 'pending';
  /** Run one scenario only (overrides `suite`). */
  scenario?: string;
  /** Only scenarios for this spec version, e.g. "2025-06-18". */
  specVersion?: string;
  /** Kill the suite after this long. Default 120 s. */
  timeoutMs?: number;
  /** Keep the suite's checks.json files here; by default a temp dir is used and removed. */
  outputDir?: string;
}

export interface ConformanceResult {
  /** Scenarios without a failed check (the suite marks them ✓). */
  passed: number;
  /** Scenarios with a failed check (✗). */
  failed: number;
  scenarios: Record<string, ScenarioStatus>;
  /** Verdict checks per scenario (INFO checks left out), in the suite's order. */
  checks: Record<string, CheckOutcome[]>;
  /** How many scenarios the suite announced; more than `scenarios` holds if it stopped early. */
  announced: number | undefined;
  exitCode: number | null;
  timedOut: boolean;
  /** The scenario that was running when the suite was killed or crashed, if any. */
  unfinished: string | undefined;
  durationMs: number;
  /** The command line that was run, for reports. */
  command: string[];
  /** Everything the suite printed, stdout and stderr. */
  raw: string;
}

/** The repository root: the nearest folder above this file with a package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`run-conformance: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** The two suite releases scripts/install-conformance.sh installs side by side. */
export type SuiteRelease = '2025' | '2026';
const SUITE_PACKAGE: Record<SuiteRelease, string[]> = {
  '2025': ['@modelcontextprotocol', 'conformance'],
  '2026': ['conformance-2026'],
};

export interface ConformanceInstall {
  node: string;
  entry: string;
}

/**
 * Where the suite and its Node 22 are, or why they are not usable. CONFORMANCE_NODE may
 * point at any Node >= 22 instead of the installed one.
 */
export function locateConformance(release: SuiteRelease = '2025'): ConformanceInstall | { missing: string } {
  const modules = join(repoRoot(), '.tools', 'conformance', 'node_modules');
  const entry = join(modules, ...SUITE_PACKAGE[release], 'dist', 'index.js');
  const archPackage = `node-${process.platform}-${process.arch}`;
  // Same places, same order, as scripts/install-conformance.sh.
  const candidates = process.env.CONFORMANCE_NODE
    ? [process.env.CONFORMANCE_NODE]
    : [
        join(modules, 'node', 'bin', 'node'),
        join(modules, 'node', 'node_modules', archPackage, 'bin', 'node'),
        join(modules, archPackage, 'bin', 'node'),
      ];
  const node = candidates.find((candidate) => existsSync(candidate));
  if (!existsSync(entry) || !node) {
    return {
      missing:
        `the MCP conformance suite is not installed (looked for ${entry} and a Node 22 binary in ` +
        `${candidates.join(', ')}); install it with: bash scripts/install-conformance.sh`,
    };
  }
  return { node, entry };
}

const SCENARIO_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;
const SUMMARY_LINE = /^[✓✗] (\S+): (\d+) passed, (\d+) failed$/gmu;
const ANNOUNCE_LINE = /^Running \S+ suite \((\d+) scenarios\)/m;
const STARTED_LINE = /^Running client scenario '([^']+)' against server/gm;
const SINGLE_LINE = /^Running client scenario '[^']+' against server/m;

function statusOf(checks: CheckOutcome[]): ScenarioStatus {
  if (checks.some((check) => check.status === 'FAILURE')) return 'fail';
  if (checks.some((check) => check.status === 'WARNING')) return 'warning';
  if (checks.some((check) => check.status === 'SUCCESS')) return 'pass';
  return 'no-verdict';
}

/** Reads every scenario's checks.json under the suite's output dir. */
async function readCheckFiles(outputDir: string): Promise<Map<string, CheckOutcome[]>> {
  const found = new Map<string, CheckOutcome[]>();
  const entries = existsSync(outputDir) ? (await readdir(outputDir)).sort() : [];
  for (const entry of entries) {
    const scenario = SCENARIO_DIR.exec(entry)?.[1];
    const file = join(outputDir, entry, 'checks.json');
    if (!scenario || !existsSync(file)) continue;
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (!Array.isArray(parsed)) throw new Error(`run-conformance: ${file} is not a JSON array of checks`);
    found.set(
      scenario,
      parsed.map((check: { id?: unknown; status?: unknown; errorMessage?: unknown }) => ({
        id: String(check.id),
        status: String(check.status) as CheckStatus,
        ...(typeof check.errorMessage === 'string' ? { errorMessage: check.errorMessage } : {}),
      })),
    );
  }
  return found;
}

/** Builds the result from the checks.json files, falling back to the stdout summary. */
export async function parseConformanceOutput(
  raw: string,
  outputDir: string,
): Promise<Pick<ConformanceResult, 'passed' | 'failed' | 'scenarios' | 'checks' | 'announced'>> {
  const files = await readCheckFiles(outputDir);
  const scenarios: Record<string, ScenarioStatus> = {};
  const checks: Record<string, CheckOutcome[]> = {};

  for (const [scenario, all] of files) {
    checks[scenario] = all.filter((check) => check.status !== 'INFO');
    scenarios[scenario] = statusOf(all);
  }
  for (const [, scenario, passed, failed] of raw.matchAll(SUMMARY_LINE)) {
    if (scenarios[scenario!] !== undefined) continue;
    scenarios[scenario!] = Number(failed) > 0 ? 'fail' : Number(passed) > 0 ? 'pass' : 'no-verdict';
    checks[scenario!] = [];
  }

  const statuses = Object.values(scenarios);
  // A suite run announces its size; a single --scenario run announces nothing.
  const announcedSuite = ANNOUNCE_LINE.exec(raw)?.[1];
  const announced = announcedSuite !== undefined ? Number(announcedSuite) : SINGLE_LINE.test(raw) ? 1 : undefined;
  return {
    passed: statuses.filter((status) => status !== 'fail').length,
    failed: statuses.filter((status) => status === 'fail').length,
    scenarios,
    checks,
    announced,
  };
}

/** Runs the suite's server scenarios against `url` with the installed Node 22. */
export async function runConformance(url: string, options: ConformanceOptions = {}): Promise<ConformanceResult> {
  const install = locateConformance(options.suiteRelease);
  if ('missing' in install) throw new Error(`run-conformance: ${install.missing}`);

  const outputDir = options.outputDir ?? (await mkdtemp(join(tmpdir(), 'toolgate-conformance-')));
  await mkdir(outputDir, { recursive: true });
  const args = [install.entry, 'server', '--url', url];
  if (options.scenario) args.push('--scenario', options.scenario);
  else args.push('--suite', options.suite ?? 'all');
  if (options.specVersion) args.push('--spec-version', options.specVersion);
  args.push('--output-dir', outputDir);

  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  // cwd is the output dir so nothing the suite writes lands in the repository.
  const child = spawn(install.node, args, { cwd: outputDir, env: childEnv({ NO_COLOR: '1' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let raw = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));

  try {
    const parsed = await parseConformanceOutput(raw, outputDir);
    const lastStarted = [...raw.matchAll(STARTED_LINE)].at(-1)?.[1];
    return {
      ...parsed,
      exitCode,
      timedOut,
      unfinished: lastStarted !== undefined && parsed.scenarios[lastStarted] === undefined ? lastStarted : undefined,
      durationMs: Date.now() - started,
      command: [install.node, ...args],
      raw,
    };
  } finally {
    if (!options.outputDir) await rm(outputDir, { recursive: true, force: true });
  }
}

/**
 * A check decided by the HTTP endpoint the suite talks to rather than by the MCP server behind
 * it: through the gateway it tests the gateway itself, so its status there is fixed, whatever the
 * upstream does directly.
 */
export interface GatewayOwnCheck {
  scenario: string;
  check: string;
  /** The status the check must have through the gateway. */
  throughGateway: CheckStatus;
  /** Why the gateway decides this check; shown when the exception applies. */
  why: string;
}

export interface ConformanceDiff {
  /**
   * One line per scenario whose verdict or verdict checks (id and status, in any order) differ,
   * once the gateway's own checks are set aside: these make two runs disagree.
   */
  differences: string[];
  /** Gateway-own checks whose status through the gateway is not the promised one, or that are missing. */
  broken: string[];
  /** Gateway-own checks whose status differs from the direct run, as allowed; for diagnostics. */
  excused: string[];
}

/**
 * The differences between a direct run (`expected`) and a run through the gateway (`actual`),
 * scenario by scenario and check by check. Only the listed gateway-own checks may differ.
 */
export function diffConformance(
  expected: Pick<ConformanceResult, 'scenarios' | 'checks'>,
  actual: Pick<ConformanceResult, 'scenarios' | 'checks'>,
  gatewayOwn: readonly GatewayOwnCheck[] = [],
): ConformanceDiff {
  const diff: ConformanceDiff = { differences: [], broken: [], excused: [] };
  const names = new Set([...Object.keys(expected.scenarios), ...Object.keys(actual.scenarios)]);
  for (const name of [...names].sort()) {
    const before = expected.scenarios[name];
    const after = actual.scenarios[name];
    if (before === undefined || after === undefined) {
      diff.differences.push(`${name}: ${before ?? 'not run'} -> ${after ?? 'not run'}`);
      continue;
    }
    const own = gatewayOwn.filter((exception) => exception.scenario === name);
    let excused = false;
    for (const exception of own) {
      const through = (actual.checks[name] ?? []).filter((check) => check.id === exception.check);
      const direct = (expected.checks[name] ?? []).filter((check) => check.id === exception.check);
      if (through.length === 0 || through.some((check) => check.status !== exception.throughGateway)) {
        const seen = through.length ? through.map(describe).join(', ') : 'missing';
        diff.broken.push(`${name}/${exception.check}: must be ${exception.throughGateway} through the gateway (${exception.why}); got ${seen}`);
      } else if (direct.map(describe).join() !== through.map(describe).join()) {
        excused = true;
        diff.excused.push(`${name}/${exception.check}: ${direct.map((check) => check.status).join(', ') || 'missing'} directly, ${exception.throughGateway} through the gateway: ${exception.why}`);
      }
    }
    const compared = (checks: CheckOutcome[] | undefined) =>
      (checks ?? [])
        .filter((check) => !own.some((exception) => exception.check === check.id))
        .map(describe)
        .sort();
    const directChecks = compared(expected.checks[name]);
    const gatewayChecks = compared(actual.checks[name]);
    const sameChecks = directChecks.join() === gatewayChecks.join();
    // A verdict may change only because a gateway-own check did; any other verdict change is a difference.
    if (!sameChecks || (before !== after && !excused)) {
      const why = (actual.checks[name] ?? []).filter((check) => check.errorMessage).map((check) => `${check.id}: ${check.errorMessage}`);
      diff.differences.push(`${name}: ${before} [${directChecks.join(', ')}] -> ${after} [${gatewayChecks.join(', ')}]${why.length ? ` (${why.join('; ')})` : ''}`);
    }
  }
  return diff;
}

function describe(check: CheckOutcome): string {
  return `${check.id}=${check.status}`;
}
