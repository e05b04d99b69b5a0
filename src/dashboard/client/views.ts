/**
 * The dashboard's views beyond "now", one per hash route: #/history, #/agents, #/agent/<id>,
 * #/tool/<server>/<tool>, #/session/<id>, #/pins, #/policy. The home view (#/ or no hash) is the
 * live page. Links, buttons and headings only, so everything is reachable by keyboard; the view's
 * heading takes the focus when it opens.
 */
import type { AgentPage, AgentSummary, Overview, PinReview, PolicyView, SessionPage, ToolPage } from '../../admin/api-types.js';
import { api, describe } from './api.js';
import { ago, badge, byId, h, replaceChildren, toast } from './dom.js';
import { HistoryView, link, recordsTable } from './history.js';
import { ACTION, CATEGORY_TONE, RISK_TONE } from './labels.js';
import { renderPins, type SignedIn } from './pins.js';

type Counts = { allowed: number; refused: number; held: number; total: number };

const NAV = [['#/', 'Now'], ['#/history', 'History'], ['#/agents', 'Agents'], ['#/pins', 'Pins'], ['#/policy', 'Policy']] as const;

const panel = (title: string, ...children: Array<Node | string | null>) =>
  h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', null, title)), ...children);

function countsLine(counts: Counts): HTMLElement {
  return h('p', { class: 'counts', attrs: { 'data-total': counts.total } },
    badge(`${counts.allowed} allowed`, 'b-green'), ' ', badge(`${counts.refused} refused`, 'b-red'), ' ', badge(`${counts.held} held`, 'b-blue'),
    h('span', { class: 'muted small' }, ' in the last week'));
}

export class Views {
  readonly #onHash = () => void this.show();

  start(): void {
    replaceChildren(byId('nav'), ...NAV.map(([href, text]) => h('a', { class: 'nav-link', attrs: { href } }, text)));
    window.addEventListener('hashchange', this.#onHash);
    void this.show();
  }

  stop(): void {
    window.removeEventListener('hashchange', this.#onHash);
  }

  async show(): Promise<void> {
    const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/').map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
    const home = !name || !['history', 'agents', 'agent', 'tool', 'session', 'pins', 'policy'].includes(name);
    byId('main').hidden = !home;
    const view = byId('view');
    view.hidden = home;
    for (const a of byId('nav').querySelectorAll('a')) {
      const current = (a.getAttribute('href') === '#/' && home) || a.getAttribute('href') === `#/${name}`;
      if (current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (home) return;
    replaceChildren(view, h('p', { class: 'muted' }, 'Loading…'));
    try {
      if (name === 'history') await new HistoryView(view).render((await api<Overview>('overview')).servers.map((s) => s.id));
      else if (name === 'agents') this.#agents(view, await api<AgentSummary[]>('agents'));
      else if (name === 'agent') this.#agent(view, await api<AgentPage>(`agents/${encodeURIComponent(rest[0] ?? '')}`));
      else if (name === 'tool') this.#tool(view, await api<ToolPage>(`tools/${encodeURIComponent(rest[0] ?? '')}/${encodeURIComponent(rest[1] ?? '')}`));
      else if (name === 'session') this.#session(view, await api<SessionPage>(`sessions/${encodeURIComponent(rest[0] ?? '')}`));
      else if (name === 'pins') {
        const [pins, who] = await Promise.all([api<PinReview[]>('pins'), api<SignedIn>('session')]);
        renderPins(view, pins, who, () => void this.show());
      }
      else this.#policy(view, await api<PolicyView>('policy'));
    } catch (error) {
      replaceChildren(view, panel('Cannot show this page', h('p', { class: 'form-error', attrs: { role: 'alert' } }, describe(error))));
    }
    view.querySelector<HTMLElement>('h1, h2')?.setAttribute('tabindex', '-1');
    view.querySelector<HTMLElement>('h1, h2')?.focus();
  }

  #agents(view: HTMLElement, agents: AgentSummary[]): void {
    const rows = agents.map((a) => h('tr', null, h('td', null, link(`#/agent/${encodeURIComponent(a.agent)}`, a.agent)), h('td', null, String(a.calls)), h('td', null, String(a.refused)), h('td', { class: 'small' }, ago(a.last))));
    replaceChildren(view, panel('Agents of the last week',
      agents.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'feed' }, h('thead', null, h('tr', null, ...['Agent', 'Calls', 'Refused', 'Last call'].map((c) => h('th', { attrs: { scope: 'col' } }, c)))), h('tbody', null, ...rows)))
        : h('p', { class: 'empty' }, 'No agent called in the last week (agents are recorded when auth is configured).')));
  }

  #agent(view: HTMLElement, page: AgentPage): void {
    const sessions = page.sessions.map((s) => h('li', null, link(`#/session/${encodeURIComponent(s.session)}`, s.session), h('span', { class: 'muted small' }, ` — ${s.calls} call${s.calls === 1 ? '' : 's'}, last ${ago(s.last)}`)));
    replaceChildren(view,
      panel(`Agent ${page.agent}`, countsLine(page.counts), h('h3', null, 'Sessions'), sessions.length ? h('ul', { class: 'plain-list' }, ...sessions) : h('p', { class: 'empty' }, 'No session recorded.')),
      panel('Recent calls', page.recent.length ? recordsTable(page.recent, `Recent calls of ${page.agent}`) : h('p', { class: 'empty' }, 'No call recorded.')));
  }

  #tool(view: HTMLElement, page: ToolPage): void {
    const entry = page.entry;
    const facts = entry
      ? [
          h('p', null, badge(entry.category, CATEGORY_TONE[entry.category] ?? ''), ' ', badge(`${entry.risk} risk`, RISK_TONE[entry.risk] ?? ''), entry.overridden ? h('span', { class: 'muted small' }, ' (set by the config)') : null),
          entry.description ? h('p', { class: 'muted' }, entry.description) : null,
          h('h3', null, 'Why this class'),
          h('ul', { class: 'plain-list' }, ...(entry.rationale.length ? entry.rationale : ['no signal stood out']).map((r) => h('li', null, r))),
          entry.findings.length ? h('h3', null, 'Findings') : null,
          entry.findings.length ? h('ul', { class: 'plain-list findings' }, ...entry.findings.map((f) => h('li', null, badge(f.kind, 'b-red'), ' ', f.message))) : null,
          h('h3', null, 'Rule'),
          h('p', { attrs: { id: 'tool-rule' } }, badge(ACTION[entry.effectiveRule.action]?.label ?? entry.effectiveRule.action, ACTION[entry.effectiveRule.action]?.tone ?? ''), ' ', entry.effectiveRule.summary),
          h('p', { class: 'muted small' }, `governed by ${entry.effectiveRule.source.where}`),
        ]
      : [
          h('p', { class: 'muted' }, 'The upstream does not list this tool now, so it is not classified.'),
          h('h3', null, 'Rule'),
          h('p', { attrs: { id: 'tool-rule' } }, page.rule ? `${page.rule.rule.action} — governed by ${page.rule.source.where}` : ''),
        ];
    replaceChildren(view,
      panel(`${page.tool} on ${page.server}`, countsLine(page.counts), ...facts),
      panel('Recent calls', page.recent.length ? recordsTable(page.recent, `Recent calls of ${page.tool}`) : h('p', { class: 'empty' }, 'No call recorded.')));
  }

  #session(view: HTMLElement, page: SessionPage): void {
    replaceChildren(view, panel(`Session ${page.session}`, countsLine(page.counts), page.recent.length ? recordsTable(page.recent, 'Calls of this session') : h('p', { class: 'empty' }, 'No call recorded in this session.')));
  }

  #policy(view: HTMLElement, policy: PolicyView): void {
    const where = (line: number | null) => (line === null ? '' : `${policy.file?.split('/').pop() ?? 'config'}:${line}`);
    const table = (rules: PolicyView['categories']) =>
      h('div', { class: 'table-wrap' }, h('table', { class: 'feed policy-rules' },
        h('thead', null, h('tr', null, ...['Tools', 'Action', 'Rule as compiled', 'Source'].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
        h('tbody', null, ...rules.map((r) => h('tr', { attrs: { 'data-pattern': r.pattern } },
          h('td', { class: 'mono' }, r.pattern),
          h('td', null, badge(ACTION[r.action]?.label ?? r.action, ACTION[r.action]?.tone ?? '')),
          h('td', null, r.summary, ...r.conditions.map((c) => h('div', { class: 'muted small mono' }, `if ${c.if} → ${c.action}`))),
          h('td', { class: 'mono small' }, where(r.line)))))));
    replaceChildren(view,
      panel('Policy in force',
        h('p', null, 'Revision ', h('b', { class: 'mono', attrs: { id: 'policy-revision' } }, policy.revision), `, loaded ${ago(policy.loadedAt)} (${new Date(policy.loadedAt).toLocaleString()})`, policy.file ? ` from ${policy.file}` : '', `; mode ${policy.mode}.`)),
      ...policy.servers.map((server) =>
        h('section', { class: 'panel', attrs: { 'data-server': server.id } },
          h('div', { class: 'panel-head' }, h('h2', null, `Server ${server.id}`), h('span', { class: 'muted small' }, `mode ${server.mode}, pinning ${server.pinning}, tools no rule names: ${server.default}`)),
          server.rules.length ? table(server.rules) : h('p', { class: 'empty' }, 'No rule: every tool follows the defaults.'))),
      policy.categories.length ? panel('Defaults by category', table(policy.categories)) : null);
  }
}
