/**
 * Decisions over time as inline SVG: one row of stacked bars per server (allowed, refused, held),
 * drawn here from the timeline the admin API counted in the audit store. No library, no CDN; the
 * colours come from the stylesheet (light and dark), and the same numbers are in a table below for
 * screen readers and for reading exact values.
 */
import type { TimelineAnswer } from '../../admin/api-types.js';
import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 900;
const ROW_HEIGHT = 70;
const CLASSES = ['allowed', 'refused', 'held'] as const;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: Array<SVGElement | string>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child);
  return el;
}

function label(ms: number, bucketMs: number): string {
  const date = new Date(ms);
  return bucketMs >= 3_600_000 ? date.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }) : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
}

/** The chart and its table, for one answer of `GET history/timeline`. */
export function timelineChart(answer: TimelineAnswer): HTMLElement {
  const count = Math.max(1, Math.ceil((answer.until - answer.since) / answer.bucketMs));
  const barWidth = WIDTH / count;
  const servers = answer.servers;
  const byServer = new Map(servers.map((id) => [id, new Map<number, TimelineAnswer['buckets'][number]>()]));
  for (const bucket of answer.buckets) byServer.get(bucket.server)?.set(bucket.start, bucket);
  const peak = Math.max(1, ...answer.buckets.map((b) => b.allowed + b.refused + b.held));

  const chart = svg('svg', { viewBox: `0 0 ${WIDTH + 220} ${servers.length * ROW_HEIGHT + 24}`, role: 'img', class: 'timeline', 'aria-labelledby': 'timeline-caption' });
  servers.forEach((server, row) => {
    const top = row * ROW_HEIGHT;
    const base = top + ROW_HEIGHT - 14;
    const totals = { allowed: 0, refused: 0, held: 0 };
    const group = svg('g', { class: 'timeline-row', 'data-server': server });
    group.append(svg('line', { x1: 0, x2: WIDTH, y1: base, y2: base, class: 'timeline-axis' }));
    for (let i = 0; i < count; i++) {
      const start = answer.since + i * answer.bucketMs;
      const bucket = byServer.get(server)?.get(start);
      if (!bucket) continue;
      let y = base;
      for (const kind of CLASSES) {
        const value = bucket[kind];
        totals[kind] += value;
        if (value === 0) continue;
        const height = (value / peak) * (ROW_HEIGHT - 24);
        y -= height;
        group.append(
          svg('rect', { x: i * barWidth + 0.5, y, width: Math.max(1, barWidth - 1), height, class: `bar bar-${kind}`, 'data-kind': kind, 'data-count': value, 'data-start': start },
            svg('title', {}, `${server}, ${label(start, answer.bucketMs)}: ${value} ${kind}`)),
        );
      }
    }
    group.append(svg('text', { x: WIDTH + 8, y: top + 22, class: 'timeline-server' }, server));
    group.append(svg('text', { x: WIDTH + 8, y: top + 40, class: 'timeline-total' }, `${totals.allowed} allowed · ${totals.refused} refused · ${totals.held} held`));
    chart.append(group);
  });
  chart.append(svg('text', { x: 0, y: servers.length * ROW_HEIGHT + 18, class: 'timeline-tick' }, label(answer.since, answer.bucketMs)));
  chart.append(svg('text', { x: WIDTH, y: servers.length * ROW_HEIGHT + 18, class: 'timeline-tick', 'text-anchor': 'end' }, 'now'));

  const rows = servers.map((server) => {
    const buckets = answer.buckets.filter((b) => b.server === server);
    const sum = (kind: (typeof CLASSES)[number]) => buckets.reduce((n, b) => n + b[kind], 0);
    return h('tr', { attrs: { 'data-server': server } }, h('th', { attrs: { scope: 'row' } }, server), ...CLASSES.map((kind) => h('td', { attrs: { 'data-kind': kind } }, String(sum(kind)))));
  });
  return h('figure', { class: 'timeline-figure' },
    chart,
    h('figcaption', { attrs: { id: 'timeline-caption' } },
      h('span', { class: 'legend legend-allowed' }, 'allowed'), ' ', h('span', { class: 'legend legend-refused' }, 'refused'), ' ', h('span', { class: 'legend legend-held' }, 'held for approval'),
      ` — per server, bars of ${Math.round(answer.bucketMs / 60_000)} min`),
    h('table', { class: 'feed timeline-table' },
      h('caption', { class: 'muted small' }, 'Totals over the range'),
      h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, 'Server'), ...CLASSES.map((kind) => h('th', { attrs: { scope: 'col' } }, kind)))),
      h('tbody', null, ...rows)),
  );
}
