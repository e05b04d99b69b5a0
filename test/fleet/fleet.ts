/**
 * A fleet for tests: several real `toolgate serve` processes on their own ports and data folders,
 * one config otherwise (as a ConfigMap would give them), sharing one Redis under the test's own
 * prefix and, when asked, one PostgreSQL database for the audit trail. Each instance runs the
 * recording fixture over stdio, all appending to one record file: the upstream's execution log.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CLI, RECORDING_SERVER, tempDir } from '../helpers/harness.js';
import { childEnv, freePort, httpReady, spawnReady, type RunningProcess } from '../helpers/processes.js';

export const ADMIN_TOKEN = 'fleet-admin-token-of-32-characters!';

export interface Instance {
  readonly name: string;
  readonly port: number;
  readonly configFile: string;
  process: RunningProcess;
  /** A client session on this instance; with an agent's API key when given. */
  connect(apiKey?: string): Promise<Client>;
  /** Starts it again after a stop or a kill (same port, same data folder). */
  restart(): Promise<void>;
}

export interface Fleet {
  readonly instances: Instance[];
  readonly recordFile: string;
  /** `toolgate <args...>` run against instance `i`'s config; stdout, stderr and exit code. */
  cli(i: number, ...args: string[]): { stdout: string; stderr: string; status: number | null };
  close(): Promise<void>;
}

/**
 * `yaml`: `policies` and the rest of the config after `servers:` (YAML at top level).
 * `serverEnv`: more environment for the fixture upstream (its RECORD_FILE is set already).
 */
export async function startFleet(options: { count: number; redisUrl: string; prefix: string; auditPg?: string; yaml: string; serverEnv?: Record<string, string> }): Promise<Fleet> {
  const dir = tempDir();
  const recordFile = join(dir, 'upstream.jsonl');
  const clients: Client[] = [];
  const instances: Instance[] = [];
  for (let i = 0; i < options.count; i++) {
    const name = String.fromCharCode(65 + i);
    const port = await freePort();
    const dataDir = join(dir, `instance-${name}`);
    mkdirSync(dataDir);
    const configFile = join(dir, `toolgate-${name}.yaml`);
    writeFileSync(
      configFile,
      [
        `listen: { host: 127.0.0.1, port: ${port} }`,
        `data_dir: ${JSON.stringify(dataDir)}`,
        'log: { level: warn }',
        'admin: { token: "${FLEET_ADMIN_TOKEN}" }',
        'state:',
        '  redis: { url: "${REDIS_URL}", prefix: ' + JSON.stringify(options.prefix) + ' }',
        ...(options.auditPg ? ['audit:', '  postgres: { url: "${AUDIT_PG}" }'] : []),
        'servers:',
        `  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: ${JSON.stringify({ RECORD_FILE: recordFile, ...options.serverEnv })} }`,
        options.yaml,
      ].join('\n'),
    );
    const start = () =>
      spawnReady({
        name: `toolgate serve ${name}`,
        command: process.execPath,
        args: [CLI, 'serve', '-c', configFile],
        env: env(options),
        ready: httpReady(`http://127.0.0.1:${port}/healthz`),
        timeoutMs: 60_000,
      });
    const instance: Instance = {
      name,
      port,
      configFile,
      process: await start(),
      async connect(apiKey) {
        const client = new Client({ name: `fleet-test-${name}`, version: '1.0.0' });
        const requestInit = apiKey === undefined ? undefined : { headers: { authorization: `Bearer ${apiKey}` } };
        await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp/app`), { requestInit }));
        clients.push(client);
        return client;
      },
      async restart() {
        instance.process = await start();
      },
    };
    instances.push(instance);
  }
  return {
    instances,
    recordFile,
    cli(i, ...args) {
      const result = spawnSync(process.execPath, [CLI, ...args, '-c', instances[i].configFile], { encoding: 'utf8', env: env(options), timeout: 60_000 });
      return { stdout: result.stdout, stderr: result.stderr, status: result.status };
    },
    async close() {
      if (process.env.TOOLGATE_TEST_LOG) for (const instance of instances) process.stderr.write(`--- ${instance.name}\n${instance.process.output()}\n`);
      await Promise.allSettled(clients.map((client) => client.close()));
      await Promise.all(instances.map((instance) => instance.process.stop()));
    },
  };
}

function env(options: { redisUrl: string; auditPg?: string }): NodeJS.ProcessEnv {
  return childEnv({ REDIS_URL: options.redisUrl, FLEET_ADMIN_TOKEN: ADMIN_TOKEN, TOOLGATE_ADMIN_TOKEN: ADMIN_TOKEN, ...(options.auditPg ? { AUDIT_PG: options.auditPg } : {}) });
}
