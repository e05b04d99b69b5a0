#!/usr/bin/env node
/**
 * Config load time with many `validate.arguments` schemas: what `toolgate serve` (and
 * `toolgate validate`) spend before the gateway can answer, measured on any toolgate build.
 *
 *   node dist/bench/config-load.js --cli BUILD/dist/src/cli/main.js [--schemas 1000] [--startup-runs 10]
 *
 * Writes a config with one server and N tool rules, each with its own `validate.arguments`
 * schema (a mix of 2020-12 and draft-07, with formats), then in this process, cold:
 * - `loadConfig()` of that build (YAML, the config's JSON Schema, and each arguments schema
 *   checked with ajv), and
 * - `compilePolicy()` of that build (each arguments schema compiled for use).
 * - the CLI's start-up: `toolgate --version` and `toolgate validate -c examples/demo.yaml` (the
 *   demo's config), each run `--startup-runs` times in a new process, the median wall time.
 * Prints one JSON object on stdout. The build's modules are found next to its CLI, so the same
 * script measures HEAD and an older build side by side (the harness runs it once per build, each
 * in a fresh process, so neither inherits the other's ajv instances or JIT).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface ConfigLoadResult {
  schemas: number;
  /** loadConfig(): read, parse and check the file, ms of wall time. */
  loadMs: number;
  /** CPU time (user + system) this process spent in loadConfig(), ms: less moved by other load. */
  loadCpuMs: number;
  /** compilePolicy() of the loaded config, ms; null if the build has no such export. */
  compileMs: number | null;
  compileCpuMs: number | null;
  /** Size of the YAML file, bytes. */
  fileBytes: number;
  /** The CLI's start-up, median wall ms of `runs` new processes; `validateDemoMs` null when this checkout has no examples/demo.yaml. */
  startup: { runs: number; versionMs: number; validateDemoMs: number | null };
}

/** Rule i's arguments schema: every one different, so nothing can be shared between them. */
function argumentsSchema(i: number): Record<string, unknown> {
  const schema: Record<string, unknown> = {
    type: 'object',
    properties: {
      region: { enum: [`eu-${i}`, `us-${i}`, `ap-${i}`] },
      count: { type: 'integer', minimum: 0, maximum: 1000 + i },
      owner: { type: 'string', format: 'email' },
      tags: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 16 },
    },
    required: ['region'],
    additionalProperties: false,
  };
  // A third say draft-07 explicitly: both dialects' instances are exercised.
  if (i % 3 === 2) schema.$schema = 'http://json-schema.org/draft-07/schema#';
  return schema;
}

export function configLoadYaml(schemas: number, dataDir: string): string {
  const tools: Record<string, unknown> = {};
  for (let i = 0; i < schemas; i++) tools[`tool_${i}`] = { validate: { arguments: argumentsSchema(i) } };
  const config = {
    data_dir: dataDir,
    log: { level: 'silent' },
    servers: { srv: { url: 'http://127.0.0.1:9/mcp' } },
    policies: { srv: { default: 'allow', tools } },
  };
  return JSON.stringify(config, null, 1); // JSON is YAML; one key per line like a real file
}

/** Median wall time of `runs` runs of the CLI with these arguments, each a new process; a failed run throws. */
function medianRunMs(cli: string, args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`toolgate ${args.join(' ')} exited ${result.status}: ${result.stderr.split('\n')[0]}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * `demo`: the checkout's examples/demo.yaml, the same file for every build (this script runs from
 * a private snapshot build, which has src/ and bench/ only).
 */
export function measureStartup(cli: string, runs: number, demo: string | undefined): ConfigLoadResult['startup'] {
  return {
    runs,
    versionMs: medianRunMs(cli, ['--version'], runs),
    validateDemoMs: demo !== undefined && existsSync(demo) ? medianRunMs(cli, ['validate', '-c', demo], runs) : null,
  };
}

export async function measureConfigLoad(cli: string, schemas: number, startupRuns: number, demo?: string): Promise<ConfigLoadResult> {
  const src = dirname(dirname(resolve(cli)));
  const load = (await import(pathToFileURL(join(src, 'config', 'load.js')).href)) as { loadConfig(file: string): Promise<unknown> };
  let compilePolicy: ((config: unknown) => unknown) | undefined;
  try {
    ({ compilePolicy } = (await import(pathToFileURL(join(src, 'policy', 'compile.js')).href)) as { compilePolicy(config: unknown): unknown });
  } catch {
    compilePolicy = undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-config-load-'));
  try {
    const file = join(dir, 'toolgate.yaml');
    const text = configLoadYaml(schemas, join(dir, 'data'));
    writeFileSync(file, text);
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    const config = await load.loadConfig(file);
    const loadMs = performance.now() - t0;
    const loadCpuMs = cpuMs(c0);
    let compileMs: number | null = null;
    let compileCpuMs: number | null = null;
    if (compilePolicy) {
      t0 = performance.now();
      c0 = process.cpuUsage();
      compilePolicy(config);
      compileMs = performance.now() - t0;
      compileCpuMs = cpuMs(c0);
    }
    return { schemas, loadMs, loadCpuMs, compileMs, compileCpuMs, fileBytes: Buffer.byteLength(text), startup: measureStartup(cli, startupRuns, demo) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { cli: { type: 'string' }, schemas: { type: 'string', default: '1000' }, 'startup-runs': { type: 'string', default: '10' }, demo: { type: 'string' } } });
  if (!values.cli) throw new Error('--cli BUILD/dist/src/cli/main.js is required');
  process.stdout.write(`${JSON.stringify(await measureConfigLoad(values.cli, Number(values.schemas), Number(values['startup-runs']), values.demo))}\n`);
}
