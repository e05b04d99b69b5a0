/**
 * The build the benchmark measures: toolgate's `src/` as committed at HEAD, compiled together
 * with the working tree's `bench/` into a private folder at the start of the run; and, for a
 * before/after run (`--compare-commit REV`), an older commit's `src/` built the same way.
 *
 * Why not the repository's own dist/: it is shared. Anyone running `npm run build` or `npm test`
 * during the run rewrites it, with whatever half-finished change their working tree holds, and a
 * run of several minutes then measures several gateways, or a broken one. A private build of a
 * commit is stable for the whole run and is named by that commit in RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface Snapshot {
  /** Folder holding dist/src and dist/bench (and a node_modules link to the repository's). */
  root: string;
  commit: string;
  /** Type errors tsc reported (it still emits); the build is used if the entry points exist. */
  typeErrors: string[];
}

/**
 * Builds `rev`'s src/ into `into`. With `withBench` (the build the run itself uses), the working
 * tree's bench/ is compiled alongside; a `--compare-commit` build only needs its gateway, since
 * the harness's own scripts come from the first build.
 */
export function buildSnapshot(repoRoot: string, into: string, rev = 'HEAD', withBench = true): Snapshot {
  mkdirSync(into, { recursive: true });
  const git = (args: string[]) => execFileSync('git', args, { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  const commit = git(['rev-parse', '--short', `${rev}^{commit}`]).toString().trim();
  execFileSync('tar', ['-x', '-C', into], { input: git(['archive', '--format=tar', commit, 'src', 'tsconfig.json', 'package.json']) });
  if (withBench) cpSync(join(repoRoot, 'bench'), join(into, 'bench'), { recursive: true, filter: (source) => !/\.(json|md|svg)$/.test(source) });
  symlinkSync(join(repoRoot, 'node_modules'), join(into, 'node_modules'), 'dir');
  let typeErrors: string[] = [];
  try {
    execFileSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: into, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const output = `${(error as { stdout?: Buffer }).stdout ?? ''}`;
    typeErrors = output.split('\n').filter((line) => /error TS\d+/.test(line));
  }
  // The validators npm run build compiles after tsc (src/config/build-validators.ts), in the commits that have it.
  const generator = join(into, 'dist', 'src', 'config', 'build-validators.js');
  if (existsSync(generator)) execFileSync(process.execPath, [generator], { cwd: into, stdio: ['ignore', 'pipe', 'pipe'] });
  const entries = ['dist/src/cli/main.js', ...(withBench ? ['dist/bench/stdio-echo-server.js', 'dist/bench/http-echo-server.js'] : [])];
  for (const entry of entries) {
    if (!existsSync(join(into, entry))) {
      throw new Error(`building toolgate ${commit} in ${into} did not produce ${entry}; tsc said:\n${typeErrors.slice(0, 10).join('\n')}`);
    }
  }
  return { root: into, commit, typeErrors };
}

/**
 * The repository's own dist/ as the build (a quick run: a smoke test of the harness that
 * `npm run bench` or `npm test` has just built; minutes of private tsc would dominate it).
 */
export function repositoryBuild(repoRoot: string): Snapshot {
  for (const entry of ['dist/src/cli/main.js', 'dist/bench/stdio-echo-server.js', 'dist/bench/http-echo-server.js', 'dist/bench/byte-pipe.js']) {
    if (!existsSync(join(repoRoot, entry))) throw new Error(`${entry} is missing: run npm run build first`);
  }
  return { root: repoRoot, commit: `${headCommit(repoRoot)}+dist`, typeErrors: [] };
}

/** HEAD's short id; `no-git` in a copy without its repository (e.g. an unpacked archive). */
function headCommit(repoRoot: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'no-git';
  }
}

/** The build's own config schema (`toolgate schema`), asked once per build. */
const schemas = new Map<string, { properties?: { audit?: { properties?: { enabled?: unknown } }; limits?: unknown } }>();
function schemaOf(cli: string) {
  let schema = schemas.get(cli);
  if (!schema) schemas.set(cli, (schema = JSON.parse(execFileSync(process.execPath, [cli, 'schema'], { encoding: 'utf8' }))));
  return schema!;
}

/** Whether the build has an audit trail, asked of its own config schema. */
export function buildHasAudit(cli: string): boolean {
  return schemaOf(cli).properties?.audit?.properties?.enabled !== undefined;
}

/** Whether the build's config has `limits:` (builds from before it refuse the key, and have no limits to raise). */
export function buildHasLimits(cli: string): boolean {
  return schemaOf(cli).properties?.limits !== undefined;
}

/** Whether `rev` is an ancestor of HEAD (then a comparison against it reads as before → after). */
export function isAncestorOfHead(repoRoot: string, rev: string): boolean {
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', rev, 'HEAD'], { cwd: repoRoot, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `<short hash> <subject>` of the commits in `from..HEAD` that touch src/, newest first. */
export function commitsBetween(repoRoot: string, from: string): string[] {
  const out = execFileSync('git', ['log', '--format=%h %s', `${from}..HEAD`, '--', 'src'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return out.split('\n').filter((line) => line.trim() !== '');
}
