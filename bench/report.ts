/** RESULTS.md from results.json: the goals first, then every measured figure, then how. */
import type { CellResult } from './cells.js';
import { cellOf, type BenchResults, type Goal, type Ratios } from './results.js';

export function resultsMarkdown(results: BenchResults, chartFile: string): string {
  const { meta } = results;
  const lines: string[] = [];
  lines.push('# toolgate benchmark results', '');
  lines.push(
    `Measured ${meta.date} on **${meta.cores} cores** (${meta.cpuModel}), **Node ${meta.node}**, Linux ${meta.kernel}; ` +
      `toolgate \`src/\` as committed at \`${meta.commit}\`${meta.buildTypeErrors ? ` (built despite ${meta.buildTypeErrors} type errors)` : ''}. ` +
      `Mode **${meta.mode}**: per cell ${meta.warmupMs / 1000} s warm-up, ${meta.rounds} round${meta.rounds === 1 ? '' : 's'} × ${meta.durationMs / 1000} s measured, ` +
      `targets interleaved round by round; the whole run took ${Math.round(meta.seconds)} s.`,
    '',
  );
  lines.push('Run it with `npm run bench` (full, about 9 minutes, rewrites this file) or `npm run bench -- --quick` (under a minute, writes to a temporary folder). ' +
    'Every comparison below is a ratio of two figures from this same run: the machines are noisy, so absolute figures from different runs do not compare.', '');
  lines.push(`![calls/s and p50 latency per target and session count](${chartFile})`, '');

  lines.push('## Goals', '', '| Goal | Target | Measured | Round by round | Result |', '|---|---|---|---|---|');
  for (const goal of results.goals) {
    const rounds = goal.perRound ? goal.perRound.map((v) => goalValue({ ...goal, measured: v })).join(', ') : '';
    lines.push(`| ${goal.text} | ${goal.target} | ${goalValue(goal)} | ${rounds} | ${goal.pass === null ? 'not measured' : goal.pass ? '**PASS**' : '**MISS**'} |`);
  }
  lines.push('', 'The measured ratio divides the pooled figures of all rounds; the round-by-round values show how far the noise of the machine moves it.', '');

  lines.push('## Throughput, latency, gateway cost', '');
  lines.push('Each session makes sequential `tools/call echo` requests; sessions run in parallel. ' +
    'Gateway CPU is the proxy process\'s utime+stime (from /proc) over the measured period divided by the calls; peak RSS is its VmHWM.', '');
  lines.push('| Target | Sessions | calls/s | p50 ms | p99 ms | gateway CPU µs/call | gateway peak RSS MiB | other load, cores | errors |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const cell of results.cells) {
    lines.push(`| ${cell.label} | ${cell.sessions} | ${fmt(cell.callsPerSecond, 0)} | ${fmt(cell.latencyMs.p50, 3)} | ${fmt(cell.latencyMs.p99, 2)} | ` +
      `${cell.proxyCpuMicrosPerCall === null ? '—' : fmt(cell.proxyCpuMicrosPerCall, 0)} | ${cell.proxyPeakRssMiB === null ? '—' : fmt(cell.proxyPeakRssMiB, 0)} | ${fmt(cell.otherLoadCores, 2)} | ${cell.errors} |`);
  }
  lines.push('', '"other load" is CPU the machine spent on anything but this benchmark during the measured periods (from /proc/stat), in cores: ' +
    'other people\'s builds and tests on a shared machine. Gateway CPU per call is the figure least disturbed by it.', '');

  lines.push('## Ratios (same run)', '');
  lines.push('| Sessions | allow-all ÷ direct | realistic ÷ direct | added p50, allow-all | added p50, realistic | toolgate stdio ÷ supergateway | toolgate stdio ÷ mcp-proxy | toolgate stdio (shared) ÷ faster bridge |', '|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results.ratios) lines.push(ratioRow(r));
  lines.push('');

  if (results.comparisons.length > 0) {
    lines.push('## A/B: two toolgate builds in the same run', '');
    lines.push(`A: \`${meta.toolgateCli}\`; B: \`${meta.compareCli}\`. Each B cell ran right after its A cell, in every round.`, '');
    lines.push('| Target | Sessions | calls/s B ÷ A | round by round | gateway CPU µs/call A → B | p50 ms A → B |', '|---|---:|---:|---|---:|---:|');
    for (const c of results.comparisons) {
      const cpu = c.cpuA === null || c.cpuB === null ? '—' : `${fmt(c.cpuA, 0)} → ${fmt(c.cpuB, 0)}`;
      lines.push(`| ${c.label} | ${c.sessions} | ${c.throughput === null ? '—' : `${fmt(c.throughput, 2)}×`} | ${c.throughputPerRound.map((v) => `${fmt(v, 2)}×`).join(', ')} | ${cpu} | ${fmt(c.p50A, 3)} → ${fmt(c.p50B, 3)} |`);
    }
    lines.push('');
  }

  lines.push('## Policy decision alone', '');
  lines.push('`decide()` from `dist/src/policy` with the in-memory rate-limit store, each decision timed on its own, in a process of its own. ' +
    '"realistic rule": the load test\'s `echo` rule (session rate limit that never trips + the tool\'s inputSchema); ' +
    '"100-tool mix": exact rules, globs and the default, cached after first use; "first call of a name": a new tool name every time, resolved from scratch.', '');
  lines.push('| Rules | compile ms | realistic rule p50 / p99 µs | 100-tool mix p50 / p99 µs | first call of a name p50 / p99 µs |', '|---:|---:|---:|---:|---:|');
  for (const row of results.policy) {
    lines.push(`| ${row.rules.toLocaleString('en-US')} | ${fmt(row.compileMs, 0)} | ${fmt(row.echo.p50Micros, 2)} / ${fmt(row.echo.p99Micros, 2)} | ` +
      `${fmt(row.mixed.p50Micros, 2)} / ${fmt(row.mixed.p99Micros, 2)} | ${fmt(row.firstCall.p50Micros, 2)} / ${fmt(row.firstCall.p99Micros, 2)} |`);
  }
  lines.push('');

  lines.push('## Memory per idle session', '');
  const idle = results.idle;
  if (idle) {
    lines.push(`${idle.sessions.toLocaleString('en-US')} sessions opened against toolgate fronting the HTTP upstream (\`initialize\` only, kept open; ` +
      `${idle.failed} failed; the gateway reported ${idle.reportedOpen.toLocaleString('en-US')} open, including 200 warm-up sessions) in ${fmt(idle.openSeconds, 1)} s. ` +
      `RSS after a full GC went from ${fmt(idle.rssBeforeMiB, 1)} MiB to ${fmt(idle.rssAfterMiB, 1)} MiB: **${fmt(idle.rssKiBPerSession, 1)} KiB per session** ` +
      `(JS heap in use: ${fmt(idle.heapKiBPerSession, 2)} KiB per session; the rest is heap capacity and allocator pages kept after the burst of opening).`, '');
  } else {
    lines.push('Not measured in this run.', '');
  }

  lines.push('## Set-up and notes', '');
  lines.push(...notes(results));
  return `${lines.join('\n')}\n`;
}

function notes(results: BenchResults): string[] {
  const { meta } = results;
  const audit = meta.audit;
  const auditNote = !audit.available
    ? '- **Audit was not yet available** in this build (no `audit:` key in the config schema), so the realistic policy ran without it.'
    : audit.bytesWritten !== null && audit.bytesWritten > 0
      ? `- The realistic policy ran with \`${audit.onYaml}\`; toolgate wrote ${fmt(audit.bytesWritten / 1024, 0)} KiB under its data_dir during one such cell. The allow-all and stdio runs used \`${audit.offYaml}\` (a bare proxy, as supergateway and mcp-proxy are).`
      : `- The config accepts \`${audit.onYaml}\` and the realistic policy ran with it, but **no audit file was written** (the gateway does not record yet in this build), so audit cost is not in these figures. The allow-all and stdio runs used \`${audit.offYaml}\`.`;
  const direct16 = cellOf(results.cells, 'direct', 16);
  const policy16 = cellOf(results.cells, 'toolgate-policy', 16);
  return [
    ...cpuModelNote(direct16, policy16),
    '- Upstreams are `bench/http-echo-server.ts` (Streamable HTTP, JSON answers, GET → 405) and `bench/stdio-echo-server.ts`, written without an SDK so the upstream costs little. The load client (`bench/load-client.ts`, node:http keep-alive) runs in the harness process.',
    '- "realistic policy": `rate_limit: { max: 1000000000, window: 60 }` (never trips) and `validate: true` (the tool\'s inputSchema) on `echo`.',
    auditNote,
    '- toolgate fronting stdio uses its default `sessions: per-session` (one child per client session). supergateway runs `--outputTransport streamableHttp --stateful --logLevel none` (one child per session; its default log level prints every message). ' +
      'mcp-proxy runs `--server stream` with its defaults, and always shares one child between all sessions; the "toolgate → stdio (shared)" row is the like-for-like comparison with it.',
    '- Every proxy is a fresh process per cell, so its peak RSS and CPU belong to that cell. The load client, the proxy and the upstream share the same cores: on 2 cores the client alone uses ' +
      (direct16 ? `${fmt(direct16.clientCpuMicrosPerCall, 0)} µs of CPU per call (direct, 16 sessions)` : 'a large share') + ', so absolute calls/s say as much about the machine as about the proxy. Client and upstream CPU per call are in results.json.',
    `- Latency percentiles are nearest-rank over every call of the measured periods. The toolgate under test was \`${meta.toolgateCli}\`.`,
    '',
  ];
}

/**
 * On a machine where the client, the proxy and the upstream share the cores, calls/s is about
 * cores ÷ (CPU per call of all three), so the ratio to direct is predicted by CPU per call alone.
 */
function cpuModelNote(direct: CellResult | undefined, policy: CellResult | undefined): string[] {
  if (!direct || !policy || direct.upstreamCpuMicrosPerCall === null || policy.proxyCpuMicrosPerCall === null) return [];
  const c = direct.clientCpuMicrosPerCall;
  const u = direct.upstreamCpuMicrosPerCall;
  const g = policy.proxyCpuMicrosPerCall;
  const measured = direct.callsPerSecond > 0 ? policy.callsPerSecond / direct.callsPerSecond : NaN;
  return [
    `- **Reading the throughput ratios.** When the cores are saturated, calls/s ≈ cores ÷ (CPU per call of client + proxy + upstream). At 16 sessions the direct run cost ${fmt(c, 0)} µs (client) + ${fmt(u, 0)} µs (upstream) per call, ` +
      `and toolgate with the realistic policy ${fmt(g, 0)} µs, which predicts ${fmt((c + u) / (c + u + g), 2)}× (measured ${fmt(measured, 2)}×; the client and upstream also cost more per call at lower rates). ` +
      'A proxy between two HTTP peers does at least the HTTP work of both (it is a server to one and a client to the other), so on a machine this size its ceiling is near (C + U) ÷ (2 × (C + U)) = 0.5×, whatever its own logic costs.',
  ];
}

function ratioRow(r: Ratios): string {
  const x = (v: number | null) => (v === null ? '—' : `${fmt(v, 2)}×`);
  const ms = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : ''}${fmt(v, 3)} ms`);
  return `| ${r.sessions} | ${x(r.allowVsDirect)} | ${x(r.policyVsDirect)} | ${ms(r.addedP50AllowMs)} | ${ms(r.addedP50PolicyMs)} | ${x(r.stdioVsSupergateway)} | ${x(r.stdioVsMcpProxy)} | ${x(r.sharedStdioVsFasterBridge)} |`;
}

function goalValue(goal: Goal): string {
  if (goal.measured === null) return '—';
  if (goal.unit === '×') return `${fmt(goal.measured, 2)}×`;
  return `${fmt(goal.measured, goal.unit === 'KiB' ? 1 : goal.unit === 'µs' ? 2 : 3)} ${goal.unit}`;
}

function fmt(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** One line per cell for the console while the run goes on. */
export function progressLine(cell: CellResult): string {
  const cpu = cell.proxyCpuMicrosPerCall === null ? '' : `, gateway ${fmt(cell.proxyCpuMicrosPerCall, 0)} µs CPU/call`;
  return `${cell.label} × ${cell.sessions}: ${fmt(cell.callsPerSecond, 0)} calls/s, p50 ${fmt(cell.latencyMs.p50, 3)} ms, p99 ${fmt(cell.latencyMs.p99, 2)} ms${cpu}, other load ${fmt(cell.otherLoadCores, 2)} cores${cell.errors ? `, ${cell.errors} errors (${cell.firstError})` : ''}`;
}
