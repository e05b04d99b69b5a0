/** Rate-limit use: one bar per budget in its window, fullest first. */
import type { RateLimitRow } from '../../admin/api-types.js';
import { badge, byId, h, replaceChildren, windowText } from './dom.js';

export function renderLimits(rows: RateLimitRow[]): void {
  const list = byId('limits-list');
  if (rows.length === 0) {
    replaceChildren(list, h('p', { class: 'empty' }, 'No rate-limited calls in their windows right now.'));
    return;
  }
  replaceChildren(list, ...rows.map(limitRow));
}

function limitRow(row: RateLimitRow): HTMLElement {
  const ratio = Math.min(1, row.used / row.max);
  const state = row.used >= row.max ? 'full' : ratio >= 0.7 ? 'warn' : '';
  const name = [row.server, row.tool ?? `rule ${row.rule}`].filter(Boolean).join(' / ');
  const who =
    row.scope === 'session' ? `session ${row.session === 'anonymous' ? '(none)' : (row.session ?? '').slice(0, 8)}` :
    row.scope === 'tool' ? 'all sessions' :
    row.scope === 'server' ? `every tool of rule ${row.rule}` : `rule ${row.rule} on every server`;
  const bar = h('div', {
    class: `bar ${state}`.trim(),
    attrs: { role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': row.max, 'aria-valuenow': row.used, 'aria-label': `${name}: ${row.used} of ${row.max} calls used` },
  }, h('span'));
  (bar.firstChild as HTMLElement).style.width = `${Math.max(2, ratio * 100)}%`;
  return h('div', { class: 'limit' },
    h('div', { class: 'limit-top' },
      h('span', { class: 'limit-name' }, name, ' ', badge(who, 'b-outline')),
      h('span', { class: 'limit-count' }, `${row.used} / ${row.max}`),
    ),
    bar,
    h('div', { class: 'limit-sub' },
      h('span', null, `per ${windowText(row.windowMs)}`),
      row.used >= row.max ? h('span', null, `next call admitted in ${row.nextFreeInS}s`) : h('span', null, `${row.max - row.used} left`),
      h('span', null, `resets fully in ${row.resetsInS}s`),
    ),
  );
}
