/**
 * The tool catalog: every upstream tool with its category and risk, the rule the policy applies
 * to it and where that rule comes from; the classifier's rationale, findings and parameters on
 * expand. Descriptions come from upstreams: they are shown as text, never as markup.
 */
import type { CatalogServer, CatalogSnapshot } from '../../admin/api-types.js';
import type { CatalogEntry } from '../../catalog/entry.js';
import { api, describe } from './api.js';
import { ago, badge, byId, h, replaceChildren, toast, windowText } from './dom.js';
import { ACTION, CATEGORY_TONE, RISK_TONE } from './labels.js';

const RISK_ORDER = ['Critical', 'High', 'Medium', 'Low'];

export class CatalogPanel {
  #snapshot: CatalogSnapshot | undefined;
  readonly #open = new Set<string>();
  onLoaded: (snapshot: CatalogSnapshot) => void = () => {};

  constructor() {
    for (const id of ['catalog-search', 'catalog-server', 'catalog-risk']) byId(id).addEventListener('input', () => this.#render());
    byId('catalog-refresh').addEventListener('click', () => void this.load(true));
  }

  async load(refresh = false): Promise<void> {
    const list = byId('catalog-list');
    const button = byId<HTMLButtonElement>('catalog-refresh');
    list.setAttribute('aria-busy', 'true');
    button.disabled = true;
    button.textContent = 'Listing…';
    if (!this.#snapshot) replaceChildren(list, h('p', { class: 'empty' }, 'Listing the tools of every server…'));
    try {
      this.#snapshot = await api<CatalogSnapshot>(refresh ? 'catalog/refresh' : 'catalog', refresh ? { method: 'POST' } : {});
      this.onLoaded(this.#snapshot);
      if (refresh) toast('Catalog refreshed');
    } catch (error) {
      toast(`The catalog could not be loaded: ${describe(error)}`, true);
      if (!this.#snapshot) replaceChildren(list, h('p', { class: 'empty' }, `The catalog could not be loaded: ${describe(error)}`));
    } finally {
      list.setAttribute('aria-busy', 'false');
      button.disabled = false;
      button.textContent = 'Refresh';
    }
    this.#render();
  }

  setServers(ids: string[]): void {
    const select = byId<HTMLSelectElement>('catalog-server');
    const current = select.value;
    replaceChildren(select, h('option', { attrs: { value: '' } }, 'All servers'), ...ids.map((id) => h('option', { attrs: { value: id, selected: id === current } }, id)));
  }

  #render(): void {
    if (!this.#snapshot) return;
    const search = byId<HTMLInputElement>('catalog-search').value.trim().toLowerCase();
    const server = byId<HTMLSelectElement>('catalog-server').value;
    const risk = byId<HTMLSelectElement>('catalog-risk').value;
    const groups = this.#snapshot.servers
      .filter((s) => !server || s.id === server)
      .map((s) => ({
        server: s,
        tools: s.tools
          .filter((t) => !risk || t.risk === risk)
          .filter((t) => !search || t.name.toLowerCase().includes(search) || t.description.toLowerCase().includes(search) || (t.title ?? '').toLowerCase().includes(search))
          .sort((a, b) => RISK_ORDER.indexOf(a.risk) - RISK_ORDER.indexOf(b.risk) || a.name.localeCompare(b.name)),
      }));
    replaceChildren(byId('catalog-list'), ...groups.map((g) => this.#group(g.server, g.tools, Boolean(search || risk))));
  }

  #group(server: CatalogServer, tools: CatalogEntry[], filtered: boolean): HTMLElement {
    const health = server.health;
    const status =
      health.status === 'ok' ? badge(`${server.tools.length} tools`, 'b-outline', health.checkedAt ? `listed ${ago(health.checkedAt)}` : undefined) :
      health.status === 'error' ? badge('unreachable', 'b-red') : badge(health.status === 'checking' ? 'listing…' : 'not listed yet', '');
    return h('section', { class: 'cat-server', attrs: { 'aria-label': `Tools of ${server.id}` } },
      h('div', { class: 'cat-server-head' }, h('h3', null, server.id), status, health.checkedAt ? h('span', { class: 'muted small' }, `listed ${ago(health.checkedAt)}`) : null),
      health.status === 'error' && health.error ? h('pre', { class: 'health-error', attrs: { role: 'note' } }, health.error) : null,
      tools.length > 0
        ? h('div', { attrs: { role: 'list' } },
            h('div', { class: 'tool-head', attrs: { 'aria-hidden': 'true' } }, h('span', null, 'Tool'), h('span', null, 'Category'), h('span', null, 'Risk'), h('span', null, 'Effective rule')),
            ...tools.map((tool) => this.#tool(tool)),
          )
        : h('p', { class: 'empty' }, filtered ? 'No tools match.' : health.status === 'error' ? 'No tools: the server could not be listed.' : 'This server lists no tools.'),
    );
  }

  #tool(tool: CatalogEntry): HTMLElement {
    const key = `${tool.server}\u0000${tool.name}`;
    const rule = tool.effectiveRule;
    const action = ACTION[rule.action] ?? { label: rule.action, tone: '' };
    const details = h('details', { class: 'tool', attrs: { open: this.#open.has(key), role: 'listitem' } },
      h('summary', null,
        h('span', { class: 'tool-name' }, tool.name, tool.title && tool.title !== tool.name ? h('span', { class: 'tool-title' }, tool.title) : null),
        h('span', { class: 'cat' }, badge(tool.category, CATEGORY_TONE[tool.category] ?? '', tool.overridden ? 'Set by the config' : 'From the classifier')),
        h('span', { class: 'risk' }, badge(tool.risk, RISK_TONE[tool.risk] ?? '', `${tool.risk} risk${tool.overridden ? ' (set by the config)' : ''}`)),
        h('span', { class: 'rule-summary' }, badge(action.label, action.tone), ruleDetail(tool), h('span', { class: 'rule-from' }, rule.source.where)),
      ),
      h('div', { class: 'tool-body' },
        h('div', { class: 'full' }, h('h4', null, 'Description'), h('p', null, tool.description || '(the server gives no description)')),
        h('div', null, h('h4', null, 'Why this category and risk'), tool.rationale.length ? h('ul', null, ...tool.rationale.map((r) => h('li', null, r))) : h('p', { class: 'muted' }, '—')),
        h('div', null,
          h('h4', null, 'Parameters'),
          tool.params.length
            ? h('div', { class: 'params' }, ...tool.params.map((p) => h('div', null, h('code', null, p.name), ` ${p.type}`, p.required ? h('span', { class: 'muted' }, ' · required') : null, p.description ? h('span', { class: 'muted' }, ` — ${p.description}`) : null)))
            : h('p', { class: 'muted' }, 'none'),
        ),
        tool.findings.length ? h('div', { class: 'full' }, h('h4', null, 'Findings'), h('ul', null, ...tool.findings.map((f) => h('li', { class: 'finding' }, f.message)))) : null,
        rule.parts.length
          ? h('div', { class: 'full' }, h('h4', null, 'Effective rule, part by part'), h('ul', null, ...rule.parts.map((p) => h('li', null, h('code', null, p.part), `: ${typeof p.value === 'string' ? p.value : JSON.stringify(p.value)} — `, h('span', { class: 'muted' }, p.from)))))
          : null,
      ),
    );
    details.addEventListener('toggle', () => (details.open ? this.#open.add(key) : this.#open.delete(key)));
    return details;
  }
}

function ruleDetail(tool: CatalogEntry): string {
  const rule = tool.effectiveRule;
  const bits: string[] = [];
  if (rule.action === 'deny' && rule.reason) bits.push(`“${rule.reason}”`);
  if (rule.conditions.length) bits.push(`${rule.conditions.length} condition${rule.conditions.length === 1 ? '' : 's'}`);
  if (rule.validate) bits.push('validated');
  if (rule.rateLimit) bits.push(`${rule.rateLimit.max} per ${windowText(rule.rateLimit.windowMs)} per ${rule.rateLimit.scope}`);
  return bits.join(' · ');
}
