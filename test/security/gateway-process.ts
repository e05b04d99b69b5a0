/**
 * A real `toolgate serve` as a child process, for tests whose point is what the process does:
 * that it is still alive, still answering, and what it logged. The config is YAML with the
 * harness's `$RECORDING` and `$DIR` placeholders (`$RECORDING_WARN`: the recording fixture with
 * `pinning: warn`); it listens on a free port with a known admin token.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import Database from 'better-sqlite3';
import { CLI, RECORDING_SERVER, tempDir } from '../helpers/harness.js';
import { childEnv, freePort, httpReady, spawnReady, type RunningProcess } from '../helpers/processes.js';

export const ADMIN_TOKEN = 'store-errors-test-token-0123456789';

export interface GatewayProcess {
  process: RunningProcess;
  dir: string;
  dataDir: string;
  configFile: string;
  recordFile: string;
  baseUrl: string;
  connect(serverId: string): Promise<Client>;
  /** GET or POST on /admin/api/<path> with the admin token; the parsed JSON body. */
  admin(path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** True while the process runs and /healthz answers 200. */
  alive(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface GatewayProcessOptions {
  /** Runs the gateway under `prlimit` with this largest file size (bytes): a disk that is full for big writes. */
  maxFileBytes?: number;
}

export async function startGatewayProcess(yaml: string, options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const dir = tempDir('toolgate-store-errors-');
  const dataDir = join(dir, 'state');
  const recordFile = join(dir, 'received.jsonl');
  const port = await freePort();
  const configFile = join(dir, 'toolgate.yaml');
  const recording = `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: ${JSON.stringify(recordFile)} } }`;
  writeFileSync(
    configFile,
    `listen: { host: 127.0.0.1, port: ${port} }\ndata_dir: ${JSON.stringify(dataDir)}\nadmin: { token: ${ADMIN_TOKEN} }\n${yaml
      .replaceAll('$RECORDING_WARN', `${recording.slice(0, -2)}, pinning: warn }`)
      .replaceAll('$RECORDING', recording)
      .replaceAll('$DIR', dir)}`,
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const gatewayArgs = [CLI, 'serve', '-c', configFile];
  const child = await spawnReady({
    name: 'toolgate serve',
    command: options.maxFileBytes === undefined ? process.execPath : 'prlimit',
    args: options.maxFileBytes === undefined ? gatewayArgs : [`--fsize=${options.maxFileBytes}`, process.execPath, ...gatewayArgs],
    env: childEnv(),
    ready: httpReady(`${baseUrl}/healthz`),
    timeoutMs: 30_000,
  });
  const clients: Client[] = [];
  return {
    process: child,
    dir,
    dataDir,
    configFile,
    recordFile,
    baseUrl,
    async connect(serverId) {
      const client = new Client({ name: 'store-errors-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp/${serverId}`)));
      clients.push(client);
      return client;
    },
    async admin(path, body) {
      const response = await fetch(`${baseUrl}/admin/api/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async alive() {
      return httpReady(`${baseUrl}/healthz`)().catch(() => false);
    },
    async stop() {
      await Promise.allSettled(clients.map((client) => client.close()));
      await child.stop();
    },
  };
}

/** Polls until `check` returns a truthy value; throws naming `what` when `timeoutMs` runs out. */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Another connection holding SQLite's write lock on `file` (`BEGIN EXCLUSIVE`), as a backup
 * tool or a stuck process would, until `release`.
 */
export function lockDatabase(file: string): { release(): void } {
  const db = new Database(file);
  db.exec('BEGIN EXCLUSIVE');
  return {
    release() {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
