/** Rate-limit and budget use: one bar per counter in its window, fullest first; budgets show amounts spent. */
import type { RateLimitRow } from '../../admin/api-types.js';
import { badge, byId, h, replaceChildren, windowText } from './dom.js';

export function renderLimits(rows: RateLimitRow[]): void {
  const list = byId('limits-list');
  if (rows.length === 0) {
    replaceChildren(list, h('p', { class: 'empty' }, 'No rate-limited calls or budget spend in their windows right now.'));
    return;
  }
  replaceChildren(list, ...rows.map(limitRow));
}

function limitRow(row: RateLimitRow): HTMLElement {
  const ratio = Math.min(1, row.used / row.max);
  const state = row.used >= row.max ? 'full' : ratio >= 0.7 ? 'warn' : '';
  const name = [row.server, row.tool ?? `rule ${row.rule}`].filter(Boolean).join(' / ');
  const budget = row.kind === 'budget';
  const unit = budget ? 'spent' : 'calls used';
  const bar = h('div', {
    class: `bar ${state}`.trim(),
    attrs: { role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': row.max, 'aria-valuenow': row.used, 'aria-label': `${name}: ${amount(row.used)} of ${amount(row.max)} ${unit}` },
  }, h('span'));
  (bar.firstChild as HTMLElement).style.width = `${Math.max(2, ratio * 100)}%`;
  const left = Math.max(0, row.max - row.used);
  return h('div', { class: 'limit' },
    h('div', { class: 'limit-top' },
      h('span', { class: 'limit-name' }, name, ' ', badge(budget ? 'budget' : 'rate limit', 'b-outline'), ' ', badge(who(row), 'b-outline')),
      h('span', { class: 'limit-count' }, budget ? `${amount(row.used)} / ${amount(row.max)} spent` : `${row.used} / ${row.max}`),
    ),
    bar,
    h('div', { class: 'limit-sub' },
      h('span', null, `per ${windowText(row.windowMs)}`),
      budget
        ? h('span', null, `${amount(left)} left; ${amount(row.nextFreeAmount)} frees in ${row.nextFreeInS}s`)
        : row.used >= row.max ? h('span', null, `next call admitted in ${row.nextFreeInS}s`) : h('span', null, `${left} left`),
      h('span', null, `resets fully in ${row.resetsInS}s`),
    ),
  );
}

/** Who shares the counter, in a few words. */
function who(row: RateLimitRow): string {
  switch (row.scope) {
    case 'session':
      return `session ${row.session === 'anonymous' ? '(none)' : (row.session ?? '').slice(0, 8)}`;
    case 'agent':
    case 'agent_server':
      return `agent ${row.agent ?? ''}`;
    case 'tool':
      return 'all sessions';
    case 'server':
      return `every tool of rule ${row.rule}`;
    case 'global':
      return `rule ${row.rule} on every server`;
  }
}

function amount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
