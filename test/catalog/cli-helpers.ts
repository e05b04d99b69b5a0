/**
 * Running the real `toolgate` CLI for the catalog tests, and configs that start real MCP servers
 * from npm (server-everything, server-filesystem).
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv } from '../helpers/processes.js';
import { CLI, EVERYTHING_SERVER, FILESYSTEM_SERVER, REPO_ROOT, tempDir } from '../helpers/harness.js';
import { datasetDir } from './dataset.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `input` is what the command reads on stdin (a piped answer); without it stdin is empty. */
export function toolgate(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: options.cwd, env: childEnv(options.env), timeout: 60_000, input: options.input ?? '' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without blocking the test process (for tests that run several at once). */
export function toolgateAsync(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: childEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `servers:` entries for the npm reference servers, in flow style. */
export const EVERYTHING_YAML = `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio] }`;
export function filesystemYaml(root: string): string {
  return `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FILESYSTEM_SERVER)}, ${JSON.stringify(root)}] }`;
}

export function writeConfig(yaml: string): { dir: string; file: string } {
  const dir = tempDir('toolgate-catalog-');
  const file = join(dir, 'toolgate.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}

export const dataset = (name: string) => join(datasetDir(), name);

export const AWS_EXAMPLE = join(REPO_ROOT, 'examples', 'aws.yaml');
