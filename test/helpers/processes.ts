/**
 * Small helpers for tests that run real servers as child processes: a free port, spawn and
 * wait until ready, and a stop that is guaranteed to run. Local to the conformance tests on
 * purpose; general helpers may appear elsewhere later.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('freePort: the OS returned no port'))));
    });
  });
}

export interface SpawnOptions {
  /** Shown in errors and diagnostics. */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * When the process counts as ready: a pattern matched against each stdout/stderr line
   * (its first capture group, if any, becomes `readyMatch`), or an async probe polled
   * every 100 ms (e.g. an HTTP health check).
   */
  ready: RegExp | (() => Promise<boolean>);
  /** Default 15 s. */
  timeoutMs?: number;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  /** Capture group 1 of the ready pattern (e.g. the URL a server printed). */
  readonly readyMatch: string | undefined;
  /** Everything the process wrote so far, stdout and stderr interleaved by line. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3 s); resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Children still running, so they are killed even if the test runner exits abruptly. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * The environment for a child process. `node --test` marks its own children with
 * NODE_TEST_CONTEXT; a child that is itself a Node program must not inherit that.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Spawns a process and resolves once it is ready. Rejects, after killing the process, when
 * it exits first or is not ready in time; the error carries the process's output.
 */
export async function spawnReady(options: SpawnOptions): Promise<RunningProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let startError: Error | undefined;
  child.once('error', (error) => {
    startError = error;
    live.delete(child);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
  });
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  const lines: string[] = [];
  /** The unterminated last line of stdout and of stderr. */
  const partial = ['', ''];
  let readyMatch: string | undefined;
  let matched = false;
  for (const [index, stream] of [child.stdout!, child.stderr!].entries()) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial[index] + chunk).split('\n');
      partial[index] = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (!matched && options.ready instanceof RegExp) {
          const match = options.ready.exec(line);
          if (match) {
            matched = true;
            readyMatch = match[1];
          }
        }
      }
    });
  }

  const stop = async (graceMs = 3_000): Promise<void> => {
    if (startError || hasExited()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const output = () => [...lines, ...partial.filter(Boolean)].join('\n');
  const fail = async (why: string): Promise<never> => {
    await stop(500);
    throw new Error(`${options.name} ${why}\ncommand: ${options.command} ${options.args.join(' ')}\noutput:\n${output()}`);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sleep(0);
    if (startError) return fail(`could not be started: ${startError.message}`);
    if (hasExited()) {
      return fail(`exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`);
    }
    if (matched) break;
    if (typeof options.ready === 'function' && (await options.ready().catch(() => false))) break;
    if (Date.now() > deadline) return fail(`was not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
  return { name: options.name, pid: child.pid!, readyMatch, output, stop };
}

/** A probe for `spawnReady`: true once `GET url` answers with `status`. */
export function httpReady(url: string, status = 200): () => Promise<boolean> {
  return async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status === status;
  };
}
