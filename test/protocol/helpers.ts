/**
 * Helpers for the protocol-generation tests: the dual-generation fixture in one of its modes, a
 * gateway in this process with an injected clock, SDK v2 clients pinned to a generation, and raw
 * 2026-07-28 requests for what an SDK client would never send.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { REPO_ROOT, tempDir } from '../helpers/harness.js';
import { freePort, spawnReady, type RunningProcess } from '../helpers/processes.js';

export const FIXTURE_2026 = join(REPO_ROOT, 'dist', 'test', 'fixtures', 'conformance-server-2026.js');

export type Generation = '2025' | '2026';

export interface Fixture {
  url: string;
  recordFile: string;
  process: RunningProcess;
}

/** The fixture serving both generations, or one (`--modern-only`, `--legacy-only`), recording what it receives. */
export async function startFixture(dir: string, mode: '--modern-only' | '--legacy-only' | undefined, name: string): Promise<Fixture> {
  const recordFile = join(dir, `${name}.jsonl`);
  const process = await spawnReady({
    name: `fixture ${name}`,
    command: globalThis.process.execPath,
    args: [FIXTURE_2026, '--port', String(await freePort()), '--record', recordFile, ...(mode ? [mode] : [])],
    ready: /^listening (\S+)$/,
  });
  return { url: process.readyMatch!, recordFile, process };
}

function records(fixture: Fixture): Array<{ message?: Record<string, unknown>; event?: Record<string, unknown> }> {
  if (!existsSync(fixture.recordFile)) return [];
  return readFileSync(fixture.recordFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { message?: Record<string, unknown>; event?: Record<string, unknown> });
}

/** Every JSON-RPC message the fixture received, in order. */
export function received(fixture: Fixture): Array<Record<string, unknown>> {
  return records(fixture).flatMap((record) => (record.message ? [record.message] : []));
}

/** What the fixture's tools observed (started, cancelled), in order. */
export function events(fixture: Fixture): Array<Record<string, unknown>> {
  return records(fixture).flatMap((record) => (record.event ? [record.event] : []));
}

/** The tools the fixture was asked to run (a retry of a multi round-trip call counts again). */
export function calledTools(fixture: Fixture): string[] {
  return received(fixture)
    .filter((message) => message.method === 'tools/call')
    .map((message) => String((message.params as { name?: unknown } | undefined)?.name));
}

export interface InProcessGateway {
  gateway: Gateway;
  baseUrl: string;
  dir: string;
  clock: { now: number };
  url(serverId: string): string;
  close(): Promise<void>;
}

/** A gateway in this process on a free port, its clock under the test's control (starting at real time). */
export async function startGateway(yaml: string): Promise<InProcessGateway> {
  const dir = tempDir('toolgate-protocol-');
  const configFile = join(dir, 'toolgate.yaml');
  writeFileSync(configFile, `listen: { host: 127.0.0.1, port: 0 }\ndata_dir: ${JSON.stringify(join(dir, 'data'))}\n${yaml}`);
  const config = await loadConfig(configFile);
  const clock = { now: Date.now() };
  const gateway = new Gateway({ config, log: pino({ level: process.env.TOOLGATE_TEST_LOG ?? 'silent' }, pino.destination(2)), now: () => clock.now });
  const { url: baseUrl } = await gateway.listen();
  return { gateway, baseUrl, dir, clock, url: (serverId) => `${baseUrl}/mcp/${serverId}`, close: () => gateway.close() };
}

export interface ClientOptions {
  /** What the client's user answers to an elicitation (`undefined`: the client declares no elicitation). */
  answer?: (request: { message?: string; requestedSchema?: unknown }) => Record<string, unknown>;
}

/** The official SDK client pinned to a generation: 2026-07-28 only, or the 2025 handshake only. */
export async function connectClient(url: string, generation: Generation, options: ClientOptions = {}): Promise<Client> {
  const client = new Client(
    { name: `toolgate-test-${generation}`, version: '1.0.0' },
    {
      ...(generation === '2026' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      capabilities: options.answer ? { elicitation: {} } : {},
    },
  );
  if (options.answer) {
    const answer = options.answer;
    client.setRequestHandler('elicitation/create', async (request) => answer(request.params as { message?: string; requestedSchema?: unknown }) as never);
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };

export interface RawAnswer {
  status: number;
  body: { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } };
}

let rawIds = 1000;

/**
 * One 2026-07-28 request as a raw POST: the standard headers are derived from the body unless
 * `headers` overrides them (a header set to '' is left out). The answer may be JSON or an SSE
 * stream; the response to the request is returned either way.
 */
export async function post2026(url: string, method: string, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const name = method === 'resources/read' ? params.uri : params.name;
  const all: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
    ...headers,
  };
  for (const [key, value] of Object.entries(all)) if (value === '') delete all[key];
  const id = ++rawIds;
  const response = await fetch(url, { method: 'POST', headers: all, body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { _meta: META, ...params } }) });
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const messages = text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 6)
      .map((line) => JSON.parse(line.slice(6)) as RawAnswer['body']);
    return { status: response.status, body: messages.find((message) => message.id === id) ?? {} };
  }
  return { status: response.status, body: text ? (JSON.parse(text) as RawAnswer['body']) : {} };
}
