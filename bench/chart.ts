/**
 * A grouped bar chart as hand-written SVG (no dependencies): one panel for calls/s and one for
 * p50 latency, a group per session count, a bar per target.
 */
import type { CellResult } from './cells.js';

const COLORS: Record<string, string> = {
  direct: '#7f7f7f',
  'byte-pipe': '#bcbd22',
  'toolgate-allow': '#1f77b4',
  'toolgate-policy': '#0b3d6e',
  'toolgate-policy-redis': '#9467bd',
  'toolgate-policy-telemetry': '#17becf',
  'toolgate-stdio': '#2ca02c',
  'toolgate-stdio-shared': '#98df8a',
  'supergateway-stdio': '#ff7f0e',
  'mcp-proxy-stdio': '#d62728',
};

const WIDTH = 960;
const PANEL_HEIGHT = 300;
const LEFT = 70;
const RIGHT = 250;
const TOP = 40;
const BOTTOM = 40;

export function chartSvg(cells: CellResult[], title: string): string {
  const targets = [...new Map(cells.map((c) => [c.target, c.label])).entries()];
  const sessions = [...new Set(cells.map((c) => c.sessions))].sort((a, b) => a - b);
  const panels = [
    { name: 'calls/s (higher is better)', value: (c: CellResult) => c.callsPerSecond, format: (v: number) => v.toFixed(0) },
    { name: 'p50 latency, ms (lower is better)', value: (c: CellResult) => c.latencyMs.p50, format: (v: number) => v.toFixed(v < 10 ? 2 : 1) },
  ];
  const height = TOP + panels.length * (PANEL_HEIGHT + BOTTOM + 30);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  panels.forEach((panel, index) => {
    const top = TOP + index * (PANEL_HEIGHT + BOTTOM + 30) + 20;
    parts.push(panelSvg(cells, targets.map(([id]) => id), sessions, top, panel));
  });
  // Legend, right of the panels.
  targets.forEach(([id, label], i) => {
    const y = TOP + 30 + i * 20;
    const x = WIDTH - RIGHT + 20;
    parts.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" ${fill(id)}/>`);
    parts.push(`<text x="${x + 18}" y="${y}">${escape(label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function panelSvg(
  cells: CellResult[],
  targets: string[],
  sessions: number[],
  top: number,
  panel: { name: string; value: (c: CellResult) => number; format: (v: number) => string },
): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const values = cells.map(panel.value).filter((v) => Number.isFinite(v));
  const max = niceCeiling(Math.max(1e-9, ...values));
  const y = (v: number) => top + PANEL_HEIGHT - (v / max) * PANEL_HEIGHT;
  const out: string[] = [`<text x="${LEFT}" y="${top - 8}" font-size="13" font-weight="bold">${escape(panel.name)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    out.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${panel.format(v)}</text>`);
  }
  const groupWidth = plotWidth / sessions.length;
  const barWidth = Math.min(28, (groupWidth * 0.8) / targets.length);
  sessions.forEach((count, g) => {
    const groupLeft = LEFT + g * groupWidth + (groupWidth - barWidth * targets.length) / 2;
    targets.forEach((target, t) => {
      const cell = cells.find((c) => c.target === target && c.sessions === count);
      if (!cell) return;
      const v = panel.value(cell);
      if (!Number.isFinite(v)) return;
      const x = groupLeft + t * barWidth;
      out.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(top + PANEL_HEIGHT - y(v)).toFixed(1)}" ${fill(target)}><title>${escape(`${cell.label}, ${count} session(s): ${panel.format(v)}`)}</title></rect>`);
      const labelX = x + (barWidth - 2) / 2;
      const labelY = y(v) - 3;
      out.push(`<text x="${labelX.toFixed(1)}" y="${labelY.toFixed(1)}" font-size="9" text-anchor="start" transform="rotate(-60 ${labelX.toFixed(1)} ${labelY.toFixed(1)})">${panel.format(v)}</text>`);
    });
    out.push(`<text x="${LEFT + g * groupWidth + groupWidth / 2}" y="${top + PANEL_HEIGHT + 18}" text-anchor="middle">${count} session${count === 1 ? '' : 's'}</text>`);
  });
  out.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${top + PANEL_HEIGHT}" y2="${top + PANEL_HEIGHT}" stroke="#333"/>`);
  return out.join('\n');
}

/** A `--compare` build's bars share their target's colour, lighter. */
function fill(target: string): string {
  const color = COLORS[target.replace(/@b$/, '')] ?? '#444';
  return target.endsWith('@b') ? `fill="${color}" fill-opacity="0.45" stroke="${color}"` : `fill="${color}"`;
}

/** 1, 2 or 5 times a power of ten, at least `v`: round axis labels. */
function niceCeiling(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= v) return step * power;
  return 10 * power;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
