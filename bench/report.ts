/** RESULTS.md from results.json: the goals first, then every measured figure, then how. */
import type { CellResult } from './cells.js';
import { cellOf, waitMicros, type BenchResults, type Comparison, type Goal, type Ratios } from './results.js';

export function resultsMarkdown(results: BenchResults, chartFile: string): string {
  const { meta } = results;
  const lines: string[] = [];
  lines.push('# toolgate benchmark results', '');
  lines.push(
    `Measured ${meta.date} on **${meta.cores} cores** (${meta.cpuModel}), **Node ${meta.node}**, Linux ${meta.kernel}; ` +
      `toolgate \`src/\` as committed at \`${meta.commit}\`${meta.buildTypeErrors ? ` (built despite ${meta.buildTypeErrors} type errors)` : ''}. ` +
      `Mode **${meta.mode}**: per cell ${meta.warmupMs / 1000} s warm-up${meta.warmupCalls ? ` and at least ${meta.warmupCalls.toLocaleString('en-US')} calls (at most ${(meta.maxWarmupMs ?? meta.warmupMs) / 1000} s)` : ''}, ${meta.rounds} round${meta.rounds === 1 ? '' : 's'} × ${meta.durationMs / 1000} s measured, ` +
      `targets interleaved round by round; the whole run took ${Math.round(meta.seconds)} s.`,
    '',
  );
  lines.push('Run it with `npm run bench` (full, about 10 minutes, rewrites this file) or `npm run bench -- --quick` (under a minute, writes to a temporary folder)' +
    (meta.args && meta.args.length ? `; this run was \`npm run bench -- ${meta.args.map(shellWord).join(' ')}\`. ` : '. ') +
    'Every comparison below is a ratio of two figures from this same run: the machines are noisy, so absolute figures from different runs do not compare.', '');
  lines.push(`![calls/s and p50 latency per target and session count](${chartFile})`, '');

  lines.push('## Goals', '', '| Goal | Target | Measured | Round by round | Result |', '|---|---|---|---|---|');
  for (const goal of results.goals) {
    const rounds = goal.perRound ? goal.perRound.map((v) => goalValue({ ...goal, measured: v })).join(', ') : '';
    lines.push(`| ${goal.text} | ${goal.target} | ${goalValue(goal)} | ${rounds} | ${goal.pass === null ? 'not measured' : goal.pass ? '**PASS**' : '**MISS**'} |`);
  }
  lines.push('', 'The measured ratio divides the pooled figures of all rounds; the round-by-round values show how far the noise of the machine moves it.', '');
  if (results.comparisons.length > 0 && meta.compareRole === 'before') lines.push(...beforeAfter(results));
  lines.push(...missedGoals(results));

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
  lines.push('| Sessions | byte pipe ÷ direct | allow-all ÷ direct | realistic ÷ direct | allow-all ÷ byte pipe | realistic ÷ byte pipe | added p50, byte pipe | added p50, allow-all | added p50, realistic | toolgate stdio ÷ supergateway | toolgate stdio ÷ mcp-proxy | toolgate stdio (shared) ÷ faster bridge |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results.ratios) lines.push(ratioRow(r));
  lines.push('');

  if (results.comparisons.length > 0 && meta.compareRole !== 'before') {
    lines.push('## A/B: two toolgate builds in the same run', '');
    lines.push(`A: \`${meta.toolgateCli}\`; B: \`${meta.compareCli}\`. Each B cell ran right after its A cell, in every round.`, '');
    lines.push('| Target | Sessions | calls/s B ÷ A | round by round | gateway CPU µs/call A → B | p50 ms A → B |', '|---|---:|---:|---|---:|---:|');
    for (const c of results.comparisons) {
      const cpu = c.cpuA === null || c.cpuB === null ? '—' : `${fmt(c.cpuA, 0)} → ${fmt(c.cpuB, 0)}`;
      lines.push(`| ${c.label} | ${c.sessions} | ${c.throughput === null ? '—' : `${fmt(c.throughput, 2)}×`} | ${c.throughputPerRound.map((v) => `${fmt(v, 2)}×`).join(', ')} | ${cpu} | ${fmt(c.p50A, 3)} → ${fmt(c.p50B, 3)} |`);
    }
    lines.push('', ...comparisonTable(results.comparisons, 'after'), '');
  }

  lines.push(...storeAndTelemetrySection(results));
  if (results.configLoad.length > 0) lines.push(...configLoadSection(results));

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
  return [
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
 * The load goals read from this run's own figures. When the cores are saturated, calls/s is
 * about free cores ÷ (CPU per call of client, proxy and upstream), so the ratio to the byte pipe
 * is predicted by the two proxies' CPU per call; at one session the time a call waits beyond the
 * CPU spent on it shows timers, Nagle's algorithm or deferred answers, which CPU figures miss.
 */
function missedGoals(results: BenchResults): string[] {
  const goal = (id: string) => results.goals.find((g) => g.id === id);
  const out: string[] = ['## Reading the load goals', ''];
  const direct16 = cellOf(results.cells, 'direct', 16);
  const pipe16 = cellOf(results.cells, 'byte-pipe', 16);
  const policy16 = cellOf(results.cells, 'toolgate-policy', 16);
  const allow16 = cellOf(results.cells, 'toolgate-allow', 16);
  const throughput = goal('pipe-throughput');
  if (throughput && direct16 && pipe16 && policy16 && direct16.upstreamCpuMicrosPerCall !== null && pipe16.proxyCpuMicrosPerCall !== null && policy16.proxyCpuMicrosPerCall !== null) {
    const cu = direct16.clientCpuMicrosPerCall + direct16.upstreamCpuMicrosPerCall;
    const p = pipe16.proxyCpuMicrosPerCall;
    const g = policy16.proxyCpuMicrosPerCall;
    const budget = (cu + p) / 0.9 - cu;
    out.push(
      `**Throughput at 16 sessions, ${throughput.target} of the byte pipe: measured ${goalValue(throughput)}.** ` +
        `The load client and the upstream spend ${fmt(cu, 0)} µs of CPU per call between them (direct run); the byte pipe ${fmt(p, 0)} µs, ` +
        `toolgate with the realistic policy ${fmt(g, 0)} µs${allow16?.proxyCpuMicrosPerCall != null ? ` (allow-all, audit off: ${fmt(allow16.proxyCpuMicrosPerCall, 0)} µs)` : ''}. ` +
        `CPU alone predicts ${fmt((cu + p) / (cu + g), 2)}×; for 0.9× toolgate may spend at most ${fmt(budget, 0)} µs per call.`,
      '',
    );
  }
  const latency = goal('pipe-latency');
  const r1 = results.ratios.find((r) => r.sessions === 1);
  if (latency && r1 && r1.addedP50PipeMs !== null && r1.addedP50PolicyMs !== null) {
    out.push(`**Added p50 at 1 session: measured ${goalValue(latency)} beyond the byte pipe.** The byte pipe adds ${fmt(r1.addedP50PipeMs * 1000, 0)} µs to the direct p50, toolgate with the realistic policy ${fmt(r1.addedP50PolicyMs * 1000, 0)} µs.`, '');
  }
  const waits = (['byte-pipe', 'toolgate-allow', 'toolgate-policy'] as const)
    .map((target) => cellOf(results.cells, target, 1))
    .filter((cell): cell is CellResult => cell !== undefined && cell.proxyCpuMicrosPerCall !== null)
    .map((cell) => `${cell.label} ${fmt(waitMicros(cell), 0)} µs`);
  if (waits.length) {
    out.push(`**Waiting per call at 1 session** (p50 minus the CPU per call of client, proxy and upstream; a timer, Nagle's algorithm or a deferred answer shows here as tens of ms): ${waits.join(', ')}.`, '');
  }
  const redisLatency = goal('redis-latency');
  const takes = (store: string) => results.rateLimitTakes.find((row) => row.store === store);
  const memoryTake = takes('memory');
  const redisTake = takes('redis');
  if (redisLatency && redisLatency.measured !== null && memoryTake && redisTake) {
    out.push(`**Redis store at 1 session: measured ${goalValue(redisLatency)} added p50 over the memory store.** One rate-limit take alone is p50 ${fmt(redisTake.p50Micros, 0)} µs on Redis ` +
      `and ${fmt(memoryTake.p50Micros, 1)} µs in memory, so the round trip of the take accounts for about ${fmt((redisTake.p50Micros - memoryTake.p50Micros) / 1000, 3)} ms of it.`, '');
  }
  const other = results.cells.filter((c) => c.target.startsWith('toolgate-')).map((c) => c.otherLoadCores);
  if (other.length) {
    out.push(`Measured on ${results.meta.cores} cores shared with other work: during the toolgate cells other processes used ${fmt(Math.min(...other), 2)}–${fmt(Math.max(...other), 2)} cores (mean ${fmt(other.reduce((a, b) => a + b, 0) / other.length, 2)}).`, '');
  }
  return out;
}

/** "What was changed after profiling": the older build B against HEAD (A), cell by cell. */
function beforeAfter(results: BenchResults): string[] {
  const { meta } = results;
  const out: string[] = ['## What was changed after profiling', ''];
  const b = meta.compareCommit ?? meta.compareCli;
  out.push(`Every toolgate cell also ran on \`${b}\` (before), right after the same cell on \`${meta.commit}\` (after), in every round of this run; ` +
    'ratios are after ÷ before, so above 1× is more calls/s, and below 1× is less latency, CPU or memory.', '');
  const commits = meta.compareCommits ?? [];
  if (meta.compareNote) out.push(meta.compareNote, '');
  if (commits.length) out.push(`Between the two builds ${commits.length} commits changed \`src/\` (listed at the end of this section).`, '');
  const pick = (target: string, sessions: number) => results.comparisons.find((c) => c.target === target && c.sessions === sessions);
  const headline: string[] = [];
  for (const [target, sessions] of [['toolgate-policy', 16], ['toolgate-allow', 16], ['toolgate-policy', 1], ['toolgate-stdio-shared', 16]] as const) {
    const c = pick(target, sessions);
    if (!c) continue;
    headline.push(`- ${c.label}, ${sessions} session${sessions === 1 ? '' : 's'}: ${fmt(c.callsPerSecondB, 0)} → ${fmt(c.callsPerSecondA, 0)} calls/s (${ratioText(c.callsPerSecondA, c.callsPerSecondB)}), ` +
      `gateway CPU ${c.cpuB === null ? '—' : fmt(c.cpuB, 0)} → ${c.cpuA === null ? '—' : fmt(c.cpuA, 0)} µs/call (${ratioText(c.cpuA, c.cpuB)}), p50 ${fmt(c.p50B, 3)} → ${fmt(c.p50A, 3)} ms.`);
  }
  for (const g of results.compareGoals) {
    const a = results.goals.find((x) => x.id === g.id);
    if (a) headline.push(`- Goal "${a.text}" (${a.target}): ${goalValue(g)} → ${goalValue(a)}.`);
  }
  const load = (which: 'A' | 'B') => results.configLoad.find((r) => r.build === which);
  const la = load('A');
  const lb = load('B');
  if (la && lb) {
    headline.push(`- Config load with ${la.schemas.toLocaleString('en-US')} \`validate.arguments\` schemas: ${fmt(lb.loadMs / 1000, 1)} s → ${fmt(la.loadMs / 1000, 1)} s ` +
      `(CPU ${fmt(lb.loadCpuMs / 1000, 1)} s → ${fmt(la.loadCpuMs / 1000, 1)} s, ${ratioText(la.loadCpuMs, lb.loadCpuMs)}).`);
  }
  out.push(...headline, '');
  out.push(...comparisonTable(results.comparisons, 'before'), '');
  if (commits.length) {
    out.push('<details><summary>The commits between the two builds that touch src/</summary>', '', ...commits.map((c) => `- ${escapeMd(c.length > 160 ? `${c.slice(0, 157)}…` : c)}`), '', '</details>', '');
  }
  return out;
}

/** Every toolgate cell of both builds: from → to, and to ÷ from. */
function comparisonTable(comparisons: Comparison[], role: 'before' | 'after'): string[] {
  const from = role === 'before' ? 'before' : 'A';
  const to = role === 'before' ? 'after' : 'B';
  const out = [
    `| Target | Sessions | calls/s ${from} → ${to} | p50 ms | p99 ms | gateway CPU µs/call | gateway peak RSS MiB | calls/s ${to} ÷ ${from}, round by round | other load, cores |`,
    '|---|---:|---:|---:|---:|---:|---:|---|---:|',
  ];
  for (const c of comparisons) {
    // Comparison figures are A and B; before → after reads B → A.
    const [f, t] = role === 'before' ? (['B', 'A'] as const) : (['A', 'B'] as const);
    const v = (name: 'callsPerSecond' | 'p50' | 'p99' | 'cpu' | 'rss' | 'otherLoad', side: 'A' | 'B') => c[`${name}${side}` as keyof Comparison] as number | null;
    const cell = (name: 'callsPerSecond' | 'p50' | 'p99' | 'cpu' | 'rss', digits: number) => {
      const a = v(name, f);
      const b = v(name, t);
      return a === null || b === null ? '—' : `${fmt(a, digits)} → ${fmt(b, digits)} (${ratioText(b, a)})`;
    };
    const perRound = c.throughputPerRound.map((x) => `${fmt(role === 'before' ? 1 / x : x, 2)}×`).join(', ');
    out.push(`| ${c.label.replace(/ \[B\]$/, '')} | ${c.sessions} | ${cell('callsPerSecond', 0)} | ${cell('p50', 3)} | ${cell('p99', 2)} | ${cell('cpu', 0)} | ${cell('rss', 0)} | ${perRound} | ${fmt(v('otherLoad', f) ?? NaN, 2)} / ${fmt(v('otherLoad', t) ?? NaN, 2)} |`);
  }
  return out;
}

/** The realistic policy on the memory store with telemetry off, against the Redis store and against telemetry on; and one rate-limit take alone. */
function storeAndTelemetrySection(results: BenchResults): string[] {
  const variants = ['toolgate-policy-redis', 'toolgate-policy-telemetry'] as const;
  const cells = results.cells.filter((c) => (variants as readonly string[]).includes(c.target));
  if (cells.length === 0 && results.rateLimitTakes.length === 0) return [];
  const out = ['## Redis store, telemetry on and off', ''];
  if (cells.length > 0) {
    const sink = results.otlpSink;
    out.push('The realistic policy three ways, interleaved in the same rounds: on the memory store with telemetry off (the "realistic policy" cells above), ' +
      `with \`state.redis\` (rate limits, pins and approvals in Redis${results.meta.redisUrl ? ` at ${results.meta.redisUrl}` : ''}, under a key prefix of the run's own), ` +
      'and with telemetry on (every request traced and exported over OTLP/HTTP to a local sink that reads and discards' +
      (sink ? `; it received ${sink.exports.toLocaleString('en-US')} exports, ${fmt(sink.bytes / 1e6, 1)} MB` : '') + '). Ratios are to the memory store with telemetry off at the same session count.', '');
    out.push('| Set-up | Sessions | calls/s | p50 ms | p99 ms | gateway CPU µs/call | calls/s ÷ memory, telemetry off | round by round | added p50 |', '|---|---:|---:|---:|---:|---:|---:|---|---:|');
    for (const r of results.ratios) {
      const base = cellOf(results.cells, 'toolgate-policy', r.sessions);
      const rows: Array<[CellResult | undefined, number | null, number[], number | null]> = [
        [base, null, [], null],
        [cellOf(results.cells, 'toolgate-policy-redis', r.sessions), r.redisVsMemory, r.perRound.redisVsMemory, r.addedP50RedisMs],
        [cellOf(results.cells, 'toolgate-policy-telemetry', r.sessions), r.telemetryOnVsOff, r.perRound.telemetryOnVsOff, r.addedP50TelemetryMs],
      ];
      if (rows.slice(1).every(([cell]) => cell === undefined)) continue;
      for (const [cell, ratio, perRound, addedP50] of rows) {
        if (!cell) continue;
        const x = (v: number | null) => (v === null ? '—' : `${fmt(v, 2)}×`);
        out.push(`| ${cell.label} | ${cell.sessions} | ${fmt(cell.callsPerSecond, 0)} | ${fmt(cell.latencyMs.p50, 3)} | ${fmt(cell.latencyMs.p99, 2)} | ` +
          `${cell.proxyCpuMicrosPerCall === null ? '—' : fmt(cell.proxyCpuMicrosPerCall, 0)} | ${cell === base ? '1×' : x(ratio)} | ${perRound.length > 1 ? perRound.map((v) => x(v)).join(', ') : ''} | ` +
          `${addedP50 === null ? '—' : `${addedP50 >= 0 ? '+' : ''}${fmt(addedP50, 3)} ms`} |`);
      }
    }
    out.push('');
  }
  if (results.rateLimitTakes.length > 0) {
    out.push('**One rate-limit take alone** (the realistic rule\'s limit, never tripping, on one key; each take awaited and timed on its own, in a process of its own; the Redis take is the gateway\'s Lua script on the Redis server\'s clock, one round trip):', '');
    out.push('| Store | takes | p50 µs | p99 µs | mean µs |', '|---|---:|---:|---:|---:|');
    for (const row of results.rateLimitTakes) out.push(`| ${row.store} | ${row.takes.toLocaleString('en-US')} | ${fmt(row.p50Micros, 1)} | ${fmt(row.p99Micros, 1)} | ${fmt(row.meanMicros, 1)} |`);
    out.push('');
  }
  return out;
}

function configLoadSection(results: BenchResults): string[] {
  const rows = results.configLoad;
  const out = ['## Config load with many argument schemas', ''];
  out.push(`\`loadConfig()\` (YAML, the config's JSON Schema, and every \`validate.arguments\` schema checked with ajv) and then \`compilePolicy()\` (every schema compiled for use) of each build, ` +
    `on a generated file of ${rows[0].schemas.toLocaleString('en-US')} tool rules with a different arguments schema each (a third of them draft-07, with formats; ${fmt(rows[0].fileBytes / 1024, 0)} KiB), ` +
    'cold, each build in a fresh process. CPU time is this process\'s user + system time, which other load on the machine moves less than wall time.', '');
  out.push('| Build | Schemas | load, wall ms | load, CPU ms | policy compile, wall ms | policy compile, CPU ms |', '|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    out.push(`| ${r.build}: \`${r.name}\` | ${r.schemas.toLocaleString('en-US')} | ${fmt(r.loadMs, 0)} | ${fmt(r.loadCpuMs, 0)} | ${r.compileMs === null ? '—' : fmt(r.compileMs, 0)} | ${r.compileCpuMs === null ? '—' : fmt(r.compileCpuMs, 0)} |`);
  }
  out.push('', 'CLI start-up, each a new process, median wall time (issue 12: `--version` ≤ 150 ms, `validate` of the demo config ≤ 400 ms):', '');
  out.push('| Build | runs | `toolgate --version`, ms | `toolgate validate -c examples/demo.yaml`, ms |', '|---|---:|---:|---:|');
  for (const r of rows) {
    // Rows from results.json written before start-up was measured have none.
    if (r.startup) out.push(`| ${r.build}: \`${r.name}\` | ${r.startup.runs} | ${fmt(r.startup.versionMs, 0)} | ${r.startup.validateDemoMs === null ? '—' : fmt(r.startup.validateDemoMs, 0)} |`);
  }
  out.push('');
  return out;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function ratioText(to: number | null, from: number | null): string {
  return to === null || from === null || !(from > 0) ? '—' : `${fmt(to / from, 2)}×`;
}

function escapeMd(text: string): string {
  return text.replace(/([<>*_`|])/g, '\\$1');
}

function ratioRow(r: Ratios): string {
  const x = (v: number | null) => (v === null ? '—' : `${fmt(v, 2)}×`);
  const ms = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : ''}${fmt(v, 3)} ms`);
  return `| ${r.sessions} | ${x(r.pipeVsDirect)} | ${x(r.allowVsDirect)} | ${x(r.policyVsDirect)} | ${x(r.allowVsPipe)} | ${x(r.policyVsPipe)} | ${ms(r.addedP50PipeMs)} | ${ms(r.addedP50AllowMs)} | ${ms(r.addedP50PolicyMs)} | ${x(r.stdioVsSupergateway)} | ${x(r.stdioVsMcpProxy)} | ${x(r.sharedStdioVsFasterBridge)} |`;
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
