/**
 * Starting and stopping the processes under test. Every process started here is remembered and
 * ended by its pid when the benchmark exits, also on Ctrl-C or a crash, so none outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';

export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let hooked = false;

function killAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping the processes it started\n`);
      process.exit(130);
    });
  }
}

export function startProcess(name: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Started {
  killAllOnExit();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command} ${args.join(' ')})`);
  running.add(child);
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString('utf8'));
    if (tail.length > 40) tail.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => running.delete(child));
  return {
    name,
    pid: child.pid,
    child,
    output: () => tail.join('').slice(-2000),
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` with GET until `ready(status)` holds. Fails early when the process exits, and after
 * `timeoutMs`, with the process's last output in the message.
 */
export async function waitForHttp(process: Started, url: string, ready: (status: number) => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (process.child.exitCode !== null || process.child.signalCode !== null) {
      throw new Error(`${process.name} exited (${process.child.exitCode ?? process.child.signalCode}) before it was ready; its output:\n${process.output()}`);
    }
    const status = await probe(url);
    if (status !== undefined && ready(status)) return;
    if (Date.now() > deadline) throw new Error(`${process.name} was not ready at ${url} after ${timeoutMs} ms; its output:\n${process.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function probe(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.setTimeout(1000, () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** Waits for output on the process's stdout (or stderr) that matches `pattern`; returns the match. */
export function waitForLine(process: Started, pattern: RegExp, timeoutMs = 10_000, from: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
  const stream = from === 'stdout' ? process.child.stdout! : process.child.stderr!;
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = pattern.exec(seen);
      if (match) finish(() => resolve(match));
    };
    const onExit = () => finish(() => reject(new Error(`${process.name} exited before printing ${pattern}; its output:\n${process.output()}`)));
    const timer = setTimeout(() => finish(() => reject(new Error(`${process.name} did not print ${pattern} within ${timeoutMs} ms; its output:\n${process.output()}`))), timeoutMs);
    const finish = (then: () => void) => {
      clearTimeout(timer);
      stream.off('data', onData);
      process.child.off('exit', onExit);
      then();
    };
    stream.on('data', onData);
    process.child.once('exit', onExit);
  });
}
