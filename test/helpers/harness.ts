/**
 * Test harness: a real gateway (in this process, on a real socket) in front of real upstream
 * processes, driven by the official SDK client. Nothing is mocked.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { watchConfig } from '../../src/gateway/config-watcher.js';
import type { DecisionEvent } from '../../src/gateway/context.js';
import { Gateway } from '../../src/gateway/gateway.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RECORDING_SERVER = join(REPO_ROOT, 'dist', 'test', 'fixtures', 'recording-server.js');
export const EVERYTHING_SERVER = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const FILESYSTEM_SERVER = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export function tempDir(prefix = 'toolgate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every JSON-RPC message an upstream fixture received, in order. */
export function receivedMessages(recordFile: string): Array<{ pid: number; message: { method?: string; id?: unknown; params?: Record<string, unknown> } }> {
  if (!existsSync(recordFile)) return [];
  return readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/**
 * Lets a test assert what the upstream did *not* receive: a ping through the same session travels
 * the same upstream connection in order (stdio), and the fixture records it before answering, so
 * once the answer is back everything the gateway forwarded before it is in the record file.
 */
export async function upstreamCaughtUp(client: Client): Promise<void> {
  await client.ping();
}

/** Names of the tools the upstream fixture was asked to run. */
export function receivedToolCalls(recordFile: string): string[] {
  return receivedMessages(recordFile)
    .filter((entry) => entry.message.method === 'tools/call')
    .map((entry) => String(entry.message.params?.name));
}

export interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

/**
 * A pino logger whose lines are kept in `lines`, so a test can wait for what the gateway said;
 * they are also written to stderr when TOOLGATE_TEST_LOG names a level.
 */
function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const echo = process.env.TOOLGATE_TEST_LOG;
  const log = pino(
    { level: echo ?? 'info' },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as LogLine);
        if (echo) process.stderr.write(line);
      },
    },
  );
  return { log, lines };
}

export interface StartedGateway {
  gateway: Gateway;
  baseUrl: string;
  dir: string;
  configFile: string;
  recordFile: string;
  decisions: DecisionEvent[];
  /** Every line the gateway logged at info level or above, parsed (pino's JSON). */
  logs: LogLine[];
  url(serverId: string): string;
  connect(serverId: string, options?: ConstructorParameters<typeof Client>[1]): Promise<Client>;
  /** Rewrites the config file (the running gateway watches it). */
  rewrite(yaml: string): void;
  close(): Promise<void>;
}

/**
 * Starts a gateway on a free port from YAML. In the YAML, `$RECORDING` expands to the command
 * line of the recording fixture over stdio (`$RECORDING_FIELDS`: the same without braces, to add
 * keys), `$EVERYTHING` to server-everything over stdio, `$RECORD_FILE` to the file the fixture
 * records into and `$DIR` to the test's temporary folder.
 */
export async function startGateway(yaml: string, options: { watch?: boolean; holdProgressMs?: number; now?: () => number } = {}): Promise<StartedGateway> {
  const dir = tempDir();
  const recordFile = join(dir, 'received.jsonl');
  const expand = (text: string) =>
    text
      .replaceAll('$RECORDING_FIELDS', `command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(recordFile)} }`)
      .replaceAll('$RECORDING', `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(recordFile)} } }`)
      .replaceAll('$EVERYTHING', `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio] }`)
      .replaceAll('$RECORD_FILE', recordFile)
      .replaceAll('$DIR', dir);
  const configFile = join(dir, 'toolgate.yaml');
  const withListen = (text: string) => (/^listen:/m.test(text) ? text : `listen: { host: 127.0.0.1, port: 0 }\n${text}`);
  writeFileSync(configFile, withListen(expand(yaml)));
  const config = await loadConfig(configFile);
  const { log, lines: logs } = capturingLogger();
  const gateway = new Gateway({ config, log, holdProgressMs: options.holdProgressMs, now: options.now });
  const decisions: DecisionEvent[] = [];
  gateway.subscribe((event) => decisions.push(event));
  const { url: baseUrl } = await gateway.listen();
  const stopWatching = options.watch ? watchConfig(configFile, (next) => gateway.reload(next), log, () => gateway.reloadRefused()) : () => {};
  const clients: Client[] = [];
  return {
    gateway,
    baseUrl,
    dir,
    configFile,
    recordFile,
    decisions,
    logs,
    url: (serverId) => `${baseUrl}/mcp/${serverId}`,
    async connect(serverId, clientOptions) {
      const client = new Client({ name: 'toolgate-test', version: '1.0.0' }, clientOptions);
      await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp/${serverId}`)));
      clients.push(client);
      return client;
    },
    rewrite(text) {
      writeFileSync(configFile, withListen(expand(text)));
    },
    async close() {
      stopWatching();
      await Promise.allSettled(clients.map((client) => client.close()));
      await gateway.close();
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Truthy<T> = Exclude<T, null | undefined | false | 0 | ''>;

/**
 * Polls `check` every 50 ms until it returns a truthy value, and returns that value. Throws when
 * the time is up, naming what was awaited (`what`, or the check's own source) and the last value
 * seen, so a wait that never ends fails loudly instead of letting the test assert on a stale value.
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, what?: string): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) {
      const awaited = what ?? check.toString().replace(/\s+/g, ' ');
      throw new Error(`eventually: gave up after ${timeoutMs} ms waiting for ${awaited}; the last check returned ${inspect(value, { depth: 3, breakLength: Infinity })}`);
    }
    await sleep(50);
  }
}

/** Resolves as `promise` does, or rejects after `timeoutMs` with an error naming what was awaited. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`within: gave up after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The machine-readable decision toolgate puts on a refused call's result (`_meta["toolgate/decision"]`). */
export function decisionOf(result: unknown): Record<string, unknown> | undefined {
  return (result as { _meta?: Record<string, Record<string, unknown>> })._meta?.['toolgate/decision'];
}

/** The text of the first content block of a tool result. */
export function resultText(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content[0]?.text ?? '';
}
