/**
 * The history view: decisions over time (the chart) and the audit search, with paging and exports
 * of exactly the filter shown. Every field goes to the admin API as a query parameter it checks.
 */
import type { AuditRecord, SearchAnswer, TimelineAnswer } from '../../admin/api-types.js';
import { api, describe } from './api.js';
import { timelineChart } from './chart.js';
import { badge, clock, h, replaceChildren } from './dom.js';
import { DECISIONS, decisionLabel } from './labels.js';

const RANGES = [['hour', 'Last hour'], ['day', 'Last day'], ['week', 'Last week']] as const;
const FIELDS = ['from', 'to', 'server', 'tool', 'agent', 'decision', 'q'] as const;

export const link = (href: string, text: string) => h('a', { attrs: { href } }, text);
export const toolHref = (server: string, tool: string) => `#/tool/${encodeURIComponent(server)}/${encodeURIComponent(tool)}`;

/** A table of audit records, each name a link to its page. */
export function recordsTable(records: AuditRecord[], caption: string): HTMLElement {
  const rows = records.map((r) => {
    const { label, tone } = decisionLabel(r.decision);
    const agent = (r as AuditRecord & { agent?: string | null }).agent;
    return h('tr', { attrs: { 'data-id': r.id } },
      h('td', { class: 'mono small', attrs: { title: new Date(r.time).toISOString() } }, `${new Date(r.time).toLocaleDateString()} ${clock(r.time)}`),
      h('td', null, r.server),
      h('td', null, link(toolHref(r.server, r.tool), r.tool)),
      h('td', null, agent ? link(`#/agent/${encodeURIComponent(agent)}`, agent) : '–'),
      h('td', null, r.session ? link(`#/session/${encodeURIComponent(r.session)}`, r.session.slice(0, 8)) : '–'),
      h('td', null, badge(label, tone)),
      h('td', { class: 'rule mono small' }, r.rulePattern),
      h('td', { class: 'small' }, r.reason ?? r.errorMessage ?? ''));
  });
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'feed records' },
      h('caption', { class: 'sr-only' }, caption),
      h('thead', null, h('tr', null, ...['Time', 'Server', 'Tool', 'Agent', 'Session', 'Decision', 'Rule', 'Reason'].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
      h('tbody', null, ...rows)));
}

export class HistoryView {
  readonly #root: HTMLElement;
  #range = 'hour';
  #pages: AuditRecord[] = [];
  #next: number | null = null;

  constructor(root: HTMLElement) {
    this.#root = root;
  }

  async render(servers: string[]): Promise<void> {
    const chart = h('div', { attrs: { id: 'timeline', 'aria-live': 'polite' } });
    const tabs = h('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Time range' } },
      ...RANGES.map(([range, text]) => {
        const button = h('button', { class: 'btn btn-small', attrs: { type: 'button', 'aria-pressed': String(range === this.#range), 'data-range': range } }, text);
        button.addEventListener('click', () => {
          this.#range = range;
          for (const b of tabs.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.range === range));
          void this.#loadChart(chart);
        });
        return button;
      }));
    const input = (name: string, label: string, type = 'search', placeholder = '') =>
      h('label', null, label, h('input', { attrs: { name, type, placeholder, maxlength: name === 'q' ? 200 : 256, spellcheck: 'false' } }));
    const form = h('form', { class: 'filters search-form', attrs: { id: 'search-form', role: 'search', 'aria-label': 'Search the audit trail' } },
      input('from', 'From', 'datetime-local'),
      input('to', 'To', 'datetime-local'),
      h('label', null, 'Server', h('select', { attrs: { name: 'server' } }, h('option', { attrs: { value: '' } }, 'All servers'), ...servers.map((s) => h('option', null, s)))),
      input('tool', 'Tool', 'search', 'exact name'),
      input('agent', 'Agent', 'search', 'agent id'),
      h('label', null, 'Decision', h('select', { attrs: { name: 'decision' } }, h('option', { attrs: { value: '' } }, 'Any decision'), ...Object.entries(DECISIONS).map(([value, d]) => h('option', { attrs: { value } }, d.label)))),
      input('q', 'Reason contains', 'search', 'words'),
      h('button', { class: 'btn btn-primary btn-small', attrs: { type: 'submit' } }, 'Search'));
    const results = h('div', { attrs: { id: 'search-results', 'aria-live': 'polite' } });
    const exports = h('div', { class: 'exports' },
      h('a', { class: 'btn btn-small', attrs: { id: 'export-csv', download: '' } }, 'Export CSV'),
      h('a', { class: 'btn btn-small', attrs: { id: 'export-jsonl', download: '' } }, 'Export JSON lines'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#search(form, results, exports, false);
    });
    replaceChildren(this.#root,
      h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', { attrs: { tabindex: -1 } }, 'Decisions over time'), tabs), chart),
      h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', null, 'Audit search'), exports), form, results));
    await Promise.all([this.#loadChart(chart), this.#search(form, results, exports, false)]);
  }

  async #loadChart(target: HTMLElement): Promise<void> {
    try {
      replaceChildren(target, timelineChart(await api<TimelineAnswer>(`history/timeline?range=${this.#range}`)));
    } catch (error) {
      replaceChildren(target, h('p', { class: 'empty' }, describe(error)));
    }
  }

  /** The form as query parameters: empty fields left out, local times as ISO dates. */
  #filter(form: HTMLFormElement): URLSearchParams {
    const data = new FormData(form);
    const params = new URLSearchParams();
    for (const name of FIELDS) {
      const value = String(data.get(name) ?? '').trim();
      if (!value) continue;
      params.set(name, name === 'from' || name === 'to' ? new Date(value).toISOString() : value);
    }
    return params;
  }

  async #search(form: HTMLFormElement, results: HTMLElement, exports: HTMLElement, more: boolean): Promise<void> {
    const params = this.#filter(form);
    for (const format of ['csv', 'jsonl']) {
      const href = `/admin/api/history/export?${new URLSearchParams([...params, ['format', format]])}`;
      exports.querySelector(`#export-${format}`)!.setAttribute('href', href);
    }
    if (!more) this.#pages = [];
    else if (this.#next !== null) params.set('before_id', String(this.#next));
    let answer: SearchAnswer;
    try {
      answer = await api<SearchAnswer>(`history/search?${params}`);
    } catch (error) {
      replaceChildren(results, h('p', { class: 'form-error', attrs: { role: 'alert' } }, describe(error)));
      return;
    }
    this.#pages.push(...answer.records);
    this.#next = answer.nextBeforeId;
    const older = h('button', { class: 'btn btn-small', attrs: { type: 'button', id: 'search-older' } }, 'Older records');
    older.addEventListener('click', () => void this.#search(form, results, exports, true));
    replaceChildren(results,
      h('p', { class: 'muted small', attrs: { id: 'search-count' } }, `${this.#pages.length} record${this.#pages.length === 1 ? '' : 's'}${this.#next === null ? '' : ' (more below)'}`),
      this.#pages.length ? recordsTable(this.#pages, 'Matching audit records, newest first') : h('p', { class: 'empty' }, 'No record matches.'),
      this.#next === null ? null : older);
  }
}
