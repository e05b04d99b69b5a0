/**
 * The live activity feed: the newest calls from the audit trail, then every change as it
 * happens (SSE `audit` events), matched by key so a running call's row fills in when the
 * upstream answers. Filters apply to both the query and the live rows.
 */
import type { AuditRow, FeedRow } from '../../admin/api-types.js';
import { api, describe } from './api.js';
import { badge, byId, clock, h, millis, replaceChildren } from './dom.js';
import { DECISIONS, decisionLabel } from './labels.js';

const KEEP = 300;
const FIRST_LOAD = 100;

interface Filters {
  server: string;
  tool: string;
  decision: string;
}

export class FeedPanel {
  readonly #rows = new Map<string, FeedRow>();
  /** The latest live entry of each call seen since the page connected (newest last). */
  readonly #live = new Map<string, FeedRow>();
  /** Keys of rows that arrived live and should flash once. */
  readonly #fresh = new Set<string>();
  #filters: Filters = { server: '', tool: '', decision: '' };
  #paused = false;
  #missed = 0;
  #renderQueued = false;
  onChange: (rows: FeedRow[]) => void = () => {};

  constructor() {
    const decision = byId<HTMLSelectElement>('filter-decision');
    for (const [value, { label }] of Object.entries(DECISIONS)) decision.appendChild(h('option', { attrs: { value } }, label));
    const form = byId<HTMLFormElement>('feed-filters');
    const apply = () => {
      this.#filters = {
        server: byId<HTMLSelectElement>('filter-server').value,
        tool: byId<HTMLInputElement>('filter-tool').value.trim(),
        decision: decision.value,
      };
      void this.reload();
    };
    let typing: number | undefined;
    form.addEventListener('change', apply);
    byId('filter-tool').addEventListener('input', () => {
      window.clearTimeout(typing);
      typing = window.setTimeout(apply, 300);
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      apply();
    });
    const pause = byId<HTMLButtonElement>('feed-pause');
    pause.addEventListener('click', () => {
      this.#paused = !this.#paused;
      pause.setAttribute('aria-pressed', String(this.#paused));
      pause.textContent = this.#paused ? 'Resume' : 'Pause';
      if (!this.#paused) {
        this.#missed = 0;
        this.#queueRender();
      }
      this.#note();
    });
  }

  setServers(ids: string[]): void {
    const select = byId<HTMLSelectElement>('filter-server');
    const current = select.value;
    replaceChildren(select, h('option', { attrs: { value: '' } }, 'All servers'), ...ids.map((id) => h('option', { attrs: { value: id, selected: id === current } }, id)));
  }

  /** Loads the newest stored records that match the filters. */
  async reload(): Promise<void> {
    const query = new URLSearchParams({ limit: String(FIRST_LOAD) });
    if (this.#filters.server) query.set('server', this.#filters.server);
    if (this.#filters.tool) query.set('tool', /[*?]/.test(this.#filters.tool) ? this.#filters.tool : `*${this.#filters.tool}*`);
    if (this.#filters.decision) query.set('decision', this.#filters.decision);
    try {
      const records = await api<AuditRow[]>(`audit?${query}`);
      this.#rows.clear();
      for (const record of records) this.#rows.set(record.key, record);
      // Live entries are never older than the store (it batches every ~100 ms, and may have
      // answered before an event that arrived meanwhile): lay them over the records.
      for (const entry of this.#live.values()) if (this.#matches(entry)) this.#merge(entry);
      this.#setNote(undefined);
    } catch (error) {
      this.#setNote(`The stored audit trail cannot be read: ${describe(error)}. New calls still appear here as they happen.`);
    }
    this.#queueRender();
  }

  /** A live `audit` event: a new call, or a change to one. */
  add(entry: FeedRow): void {
    this.#live.delete(entry.key);
    this.#live.set(entry.key, entry);
    if (this.#live.size > KEEP) this.#live.delete(this.#live.keys().next().value!);
    const isNew = this.#merge(entry);
    if (isNew) {
      this.#fresh.add(entry.key);
      if (this.#paused && this.#matches(entry)) this.#missed++;
    }
    if (this.#rows.size > KEEP * 1.5) this.#trim();
    if (this.#paused) this.#note();
    else this.#queueRender();
  }

  /** Puts a live entry in the rows; true when the call is new to them. */
  #merge(entry: FeedRow): boolean {
    const existing = this.#rows.get(entry.key);
    // A stored record may carry an id and arguments the live entry does not: keep them.
    this.#rows.set(entry.key, existing ? { ...existing, ...entry, id: existing.id, args: existing.args, argsKeys: existing.argsKeys } : entry);
    return !existing;
  }

  get rows(): FeedRow[] {
    return [...this.#rows.values()];
  }

  #matches(row: FeedRow): boolean {
    const f = this.#filters;
    if (f.server && row.server !== f.server) return false;
    if (f.decision && row.decision !== f.decision) return false;
    if (f.tool && !globMatch(/[*?]/.test(f.tool) ? f.tool : `*${f.tool}*`, row.tool)) return false;
    return true;
  }

  #trim(): void {
    const sorted = this.#sorted();
    for (const row of sorted.slice(KEEP)) this.#rows.delete(row.key);
  }

  #sorted(): FeedRow[] {
    return [...this.#rows.values()].sort((a, b) => b.time - a.time || (b.id ?? Infinity) - (a.id ?? Infinity));
  }

  #queueRender(): void {
    if (this.#renderQueued) return;
    this.#renderQueued = true;
    requestAnimationFrame(() => {
      this.#renderQueued = false;
      this.#render();
    });
  }

  #render(): void {
    const rows = this.#sorted().filter((row) => this.#matches(row)).slice(0, KEEP);
    replaceChildren(byId('feed-rows'), ...rows.map((row) => this.#row(row)));
    this.#fresh.clear();
    byId('feed-empty').hidden = rows.length > 0;
    byId('feed-empty').textContent = this.#rows.size > 0 && rows.length === 0 ? 'No calls match these filters.' : 'No tool calls yet. Calls through any proxy URL appear here as they happen.';
    this.onChange(this.rows);
  }

  #row(row: FeedRow): HTMLTableRowElement {
    const { label, tone } = decisionLabel(row.decision);
    const tr = h('tr', { class: this.#fresh.has(row.key) ? 'fresh' : undefined, attrs: { 'data-key': row.key } },
      h('td', { class: 'time', attrs: { title: new Date(row.time).toLocaleString() } }, clock(row.time)),
      h('td', { class: 'srv' }, row.server),
      h('td', { class: 'tool' }, row.tool),
      h('td', { class: 'decision' }, badge(label, tone)),
      h('td', { class: 'rule' }, row.rulePattern),
      h('td', { class: 'details' }, details(row)),
    );
    return tr;
  }

  #setNote(text: string | undefined): void {
    this.#noteText = text;
    this.#note();
  }

  #noteText: string | undefined;

  #note(): void {
    const note = byId('feed-note');
    const parts = [this.#noteText, this.#paused ? `Paused${this.#missed ? ` — ${this.#missed} new call${this.#missed === 1 ? '' : 's'} waiting` : ''}. Press Resume to catch up.` : undefined].filter(Boolean);
    note.hidden = parts.length === 0;
    note.textContent = parts.join(' ');
  }
}

function details(row: FeedRow): string {
  const bits: string[] = [];
  if (row.reason) bits.push(row.reason);
  if (row.errorMessage && row.errorMessage !== row.reason) bits.push(row.errorMessage);
  if (row.approver && row.decision === 'approved') bits.push(`approved by ${row.approver}`);
  if (row.forwarded || row.decision === 'approved') {
    if (row.outcome === null || row.outcome === undefined) {
      if (row.decision !== 'approval_pending') bits.push('running…');
    } else {
      const outcome = { result: 'answered', tool_error: 'tool error', upstream_error: 'upstream error', cancelled: 'cancelled' }[row.outcome] ?? row.outcome;
      bits.push(row.upstreamMs === null || row.upstreamMs === undefined ? outcome : `${outcome} in ${millis(row.upstreamMs)}`);
    }
  }
  if (row.decision === 'approval_pending') bits.push('held for a person');
  if (row.agent) bits.push(`agent ${row.agent}`);
  if (row.session) bits.push(`session ${row.session.slice(0, 8)}`);
  return bits.join(' · ');
}

/** `*` any run, `?` one character — as the API's filters. */
export function globMatch(glob: string, text: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${pattern}$`).test(text);
}
