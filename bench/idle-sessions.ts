/**
 * Memory per idle session: toolgate fronting the HTTP upstream, N sessions opened with
 * `initialize` only and kept open, RSS compared between two fully collected heaps (before and
 * after), divided by N. The heap's own growth is reported beside it, since RSS also moves with
 * the allocator's page reuse.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openIdleSessions } from './load-client.js';
import { memory } from './proc-stats.js';
import { waitForLine, type Started } from './processes.js';
import { startToolgate, type TargetContext } from './targets.js';

export interface IdleSessionResult {
  sessions: number;
  failed: number;
  /** Sessions the gateway reported open (/healthz) after the probe. */
  reportedOpen: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssKiBPerSession: number;
  heapKiBPerSession: number;
  /** Growth of memory outside the JS heap (Buffers, native objects) per session. */
  externalKiBPerSession: number;
  openSeconds: number;
  firstError?: string;
}

const WARM_SESSIONS = 200;
const PARALLEL = 32;

export async function idleSessions(context: TargetContext, count: number): Promise<IdleSessionResult> {
  const preload = pathToFileURL(join(context.buildRoot, 'dist', 'bench', 'gc-on-signal.js')).href;
  const { proxy, baseUrl } = await startToolgate(context, 'idle', { policy: false }, ['--expose-gc', '--import', preload]);
  const url = `${baseUrl}/mcp/http-echo`;
  try {
    // Warm-up sessions stay open too: first-use costs (JIT, pools, caches) are not per session.
    const warm = await openIdleSessions(url, WARM_SESSIONS, PARALLEL);
    warm.agent.destroy();
    if (warm.opened === 0) throw new Error(`no warm-up session could be opened at ${url}: ${warm.firstError}`);
    const before = await collected(proxy);

    const started = performance.now();
    const probe = await openIdleSessions(url, count, PARALLEL);
    const openSeconds = (performance.now() - started) / 1000;
    probe.agent.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await collected(proxy);
    const health = JSON.parse(await get(`${baseUrl}/healthz`)) as { sessions?: number };
    const opened = Math.max(probe.opened, 1);
    return {
      sessions: probe.opened,
      failed: probe.failed,
      reportedOpen: health.sessions ?? -1,
      rssBeforeMiB: before.rssKiB / 1024,
      rssAfterMiB: after.rssKiB / 1024,
      rssKiBPerSession: (after.rssKiB - before.rssKiB) / opened,
      heapKiBPerSession: (after.heapUsed - before.heapUsed) / 1024 / opened,
      externalKiBPerSession: (after.external - before.external) / 1024 / opened,
      openSeconds,
      firstError: probe.firstError,
    };
  } finally {
    // Closing 10,000 sessions one DELETE at a time is not part of the measurement.
    await proxy.stop(3000);
  }
}

/** Asks the preload for a full GC, then reads RSS from /proc. */
async function collected(proxy: Started): Promise<{ rssKiB: number; heapUsed: number; external: number }> {
  const line = waitForLine(proxy, /bench-memory (\{[^\n]*\})\n/, 30_000, 'stderr');
  proxy.child.kill('SIGUSR2');
  const usage = JSON.parse((await line)[1]) as { heapUsed?: number; heapTotal: number; external: number; error?: string };
  if (usage.heapUsed === undefined) throw new Error(`the gateway could not collect garbage: ${usage.error}`);
  if (process.env.BENCH_DEBUG) process.stderr.write(`bench: gateway memory ${JSON.stringify(usage)}, rss ${memory(proxy.pid).rssKiB} KiB\n`);
  return { rssKiB: memory(proxy.pid).rssKiB, heapUsed: usage.heapUsed, external: usage.external };
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}
