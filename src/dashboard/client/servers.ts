/** The servers: health, proxy URL with a copy button, and client snippets to paste. */
import type { ServerHealth, ServerSummary } from '../../admin/api-types.js';
import { ago, badge, byId, copyButton, h, replaceChildren } from './dom.js';

const CLIENTS = [
  { key: 'cursor', label: 'Cursor', where: 'Add to ~/.cursor/mcp.json (or .cursor/mcp.json in a project).' },
  { key: 'vscode', label: 'VS Code', where: 'Add to .vscode/mcp.json in your workspace.' },
  { key: 'claudeDesktop', label: 'Claude Desktop', where: 'Add to claude_desktop_config.json; Claude Desktop starts toolgate over stdio with this config.' },
] as const;

type ClientKey = (typeof CLIENTS)[number]['key'];

export class ServersPanel {
  #servers: ServerSummary[] = [];
  /** Kept across re-renders: which snippet boxes are open, and on which client. */
  readonly #open = new Set<string>();
  readonly #tab = new Map<string, ClientKey>();

  get servers(): ServerSummary[] {
    return this.#servers;
  }

  set(servers: ServerSummary[]): void {
    this.#servers = servers;
    this.#render();
  }

  setHealth(id: string, health: ServerHealth): void {
    const server = this.#servers.find((s) => s.id === id);
    if (!server) return;
    server.health = health;
    this.#render();
  }

  #render(): void {
    const list = byId('servers-list');
    if (this.#servers.length === 0) {
      replaceChildren(list, h('p', { class: 'empty' }, 'No servers are configured.'));
      return;
    }
    replaceChildren(list, ...this.#servers.map((server) => this.#server(server)));
  }

  #server(server: ServerSummary): HTMLElement {
    const tab = this.#tab.get(server.id) ?? 'cursor';
    const client = CLIENTS.find((c) => c.key === tab)!;
    const snippetPre = h('pre', { attrs: { tabindex: 0, 'aria-label': `${client.label} configuration for ${server.id}` } }, server.snippets[tab]);
    const tabs = h('div', { class: 'snippet-tabs', attrs: { role: 'tablist', 'aria-label': 'Client' } },
      ...CLIENTS.map((c) =>
        h('button', {
          class: 'btn btn-small',
          attrs: { type: 'button', role: 'tab', 'aria-selected': String(c.key === tab) },
          on: { click: () => { this.#tab.set(server.id, c.key); this.#render(); this.#focusTab(server.id, c.key); } },
        }, c.label),
      ),
    );
    const snippets = h('details', { class: 'snippets', attrs: { open: this.#open.has(server.id), 'data-server': server.id } },
      h('summary', null, 'Client setup'),
      tabs,
      h('p', { class: 'snippet-where' }, client.where),
      h('div', { class: 'snippet' }, snippetPre, copyButton(() => server.snippets[tab], 'Copy', `${client.label} configuration for ${server.id}`)),
    );
    snippets.addEventListener('toggle', () => (snippets.open ? this.#open.add(server.id) : this.#open.delete(server.id)));

    return h('article', { class: 'server', attrs: { 'aria-label': `Server ${server.id}`, 'data-server': server.id } },
      h('div', { class: 'server-top' },
        h('span', { class: 'server-name' }, server.id),
        badge(server.kind === 'http' ? 'HTTP' : 'stdio', 'b-outline'),
        server.mode === 'monitor' ? badge('monitor mode', 'b-purple', 'Calls the policy would refuse are forwarded and logged') : null,
        h('span', { class: 'muted small' }, `${server.sessions} session${server.sessions === 1 ? '' : 's'}`),
        health(server.health),
      ),
      h('div', { class: 'upstream mono', attrs: { title: server.upstream } }, server.upstream),
      server.health.status === 'error' && server.health.error ? h('pre', { class: 'health-error' }, server.health.error) : null,
      h('div', { class: 'url-row' }, h('code', { attrs: { title: server.proxyUrl } }, server.proxyUrl), copyButton(() => server.proxyUrl, 'Copy URL', `proxy URL of ${server.id}`)),
      snippets,
    );
  }

  #focusTab(id: string, key: ClientKey): void {
    const index = CLIENTS.findIndex((c) => c.key === key);
    const box = byId('servers-list').querySelector(`details[data-server="${CSS.escape(id)}"]`);
    (box?.querySelectorAll<HTMLButtonElement>('[role=tab]')[index])?.focus();
  }
}

function health(h_: ServerHealth): HTMLElement {
  const text =
    h_.status === 'ok' ? `reachable · ${h_.tools} tool${h_.tools === 1 ? '' : 's'}` :
    h_.status === 'error' ? 'unreachable' :
    h_.status === 'checking' ? 'checking…' : 'not checked yet';
  const title = h_.checkedAt ? `checked ${ago(h_.checkedAt)}${h_.ms !== undefined ? ` in ${h_.ms} ms` : ''}` : undefined;
  return h('span', { class: `health ${h_.status}`, attrs: { title } }, h('span', { class: 'health-dot', attrs: { 'aria-hidden': 'true' } }), text);
}
