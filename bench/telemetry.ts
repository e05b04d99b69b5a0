/**
 * What tracing costs on the call path: `toolgate serve` with the realistic policy, telemetry off
 * and telemetry on (every request traced, exported over OTLP/HTTP to a sink in this process that
 * reads and drops what it gets), in interleaved rounds against the same HTTP echo upstream.
 *
 *   npm run build && node dist/bench/telemetry.js [--sessions 8] [--seconds 5] [--rounds 3]
 *
 * Prints calls/s, p50 and p99 per configuration, pooled over the rounds, and the spans the sink
 * received (so an "on" figure that exported nothing cannot pass for one).
 */
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad } from './load-client.js';
import { freePort, startProcess, waitForHttp, waitForLine } from './processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({ options: { sessions: { type: 'string', default: '8' }, seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' } } });
const sessions = Number(values.sessions);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

let exportedBytes = 0;
let exports = 0;
const sink = createServer((request, response) => {
  request.on('data', (chunk: Buffer) => (exportedBytes += chunk.length));
  request.on('end', () => {
    exports++;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;

const work = mkdtempSync(join(tmpdir(), 'toolgate-bench-telemetry-'));
const upstream = startProcess('http-echo-server', process.execPath, [join(ROOT, 'dist', 'bench', 'http-echo-server.js')]);
const upstreamPort = (await waitForLine(upstream, /listening (\d+)/))[1];

async function start(name: string, telemetry: boolean) {
  const port = await freePort();
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, [
    `listen: { host: 127.0.0.1, port: ${port} }`,
    `data_dir: ${JSON.stringify(join(work, name))}`,
    'log: { level: warn }',
    'limits: { max_sessions: 10000, max_sessions_per_server: 10000 }',
    telemetry ? `telemetry: { otlp: { endpoint: "${sinkUrl}" } }` : '',
    'servers:',
    `  http-echo: { url: "http://127.0.0.1:${upstreamPort}/mcp" }`,
    'policies:',
    '  http-echo:',
    '    tools:',
    '      echo: { rate_limit: { max: 1000000000, window: 60 }, validate: true }',
  ].join('\n'));
  const proxy = startProcess(`toolgate (${name})`, process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', '-c', file], { cwd: ROOT });
  await waitForHttp(proxy, `http://127.0.0.1:${port}/healthz`, (status) => status === 200);
  return { proxy, url: `http://127.0.0.1:${port}/mcp/http-echo` };
}

const configs = [{ name: 'off', telemetry: false }, { name: 'on', telemetry: true }];
const gateways = await Promise.all(configs.map((c) => start(c.name, c.telemetry)));
const pooled = configs.map(() => ({ calls: 0, ms: 0, errors: 0, latencies: [] as number[] }));
try {
  for (let round = 0; round < rounds; round++) {
    for (const [i, gateway] of gateways.entries()) {
      const result = await runLoad({ url: gateway.url, sessions, warmupMs: 1000, durationMs: seconds * 1000 });
      pooled[i].calls += result.calls;
      pooled[i].ms += result.elapsedMs;
      pooled[i].errors += result.errors;
      pooled[i].latencies.push(...result.latenciesMs);
    }
  }
} finally {
  await Promise.all(gateways.map((g) => g.proxy.stop()));
  await upstream.stop();
  sink.close();
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const lines = [`telemetry on/off: ${sessions} sessions, ${rounds} rounds of ${seconds} s, realistic policy, HTTP upstream`];
for (const [i, config] of configs.entries()) {
  const sorted = pooled[i].latencies.sort((a, b) => a - b);
  lines.push(`  telemetry ${config.name.padEnd(3)}  ${(pooled[i].calls / (pooled[i].ms / 1000)).toFixed(0).padStart(6)} calls/s  p50 ${percentile(sorted, 0.5).toFixed(3)} ms  p99 ${percentile(sorted, 0.99).toFixed(3)} ms  errors ${pooled[i].errors}`);
}
const ratio = pooled[1].calls / pooled[1].ms / (pooled[0].calls / pooled[0].ms);
lines.push(`  on/off calls/s ratio ${ratio.toFixed(3)}; the sink received ${exports} exports, ${(exportedBytes / 1e6).toFixed(1)} MB`);
process.stdout.write(`${lines.join('\n')}\n`);
