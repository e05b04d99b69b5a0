/**
 * The dashboard's entry: sign-in, then every panel loaded from the admin API and kept current
 * by its event stream (`audit`, `approval`, `decision`, `catalog` events), with a light poll for
 * what has no events (rate-limit windows, session counts).
 */
import type { Approval, CatalogEvent, FeedRow, Overview, RateLimitRow } from '../../admin/api-types.js';
import { api, ApiError, describe, whenUnauthorized } from './api.js';
import { ApprovalsPanel } from './approvals.js';
import { CatalogPanel } from './catalog.js';
import { byId, h, replaceChildren, toast } from './dom.js';
import { FeedPanel } from './feed.js';
import { REFUSALS } from './labels.js';
import { renderLimits } from './limits.js';
import { ServersPanel } from './servers.js';
import { Views } from './views.js';

const POLL_MS = 3000;
const OVERVIEW_EVERY_MS = 15_000;

let started: Dashboard | undefined;
const views = new Views();

class Dashboard {
  readonly approvals = new ApprovalsPanel();
  readonly feed = new FeedPanel();
  readonly servers = new ServersPanel();
  readonly catalog = new CatalogPanel();
  #overview: Overview | undefined;
  #events: EventSource | undefined;
  #poll: number | undefined;
  #lastOverview = 0;
  #limitsQueued = false;
  #overviewQueued = false;
  #hadError = false;
  #fallback: number | undefined;

  constructor() {
    this.approvals.onCountChange = () => this.#stats();
    this.feed.onChange = () => this.#stats();
    this.catalog.onLoaded = (snapshot) => {
      for (const server of snapshot.servers) this.servers.setHealth(server.id, server.health);
      const tools = new Map(snapshot.servers.flatMap((s) => s.tools.map((t) => [`${s.id}\u0000${t.name}`, { category: t.category, risk: t.risk }] as const)));
      this.approvals.setClassifier((server, tool) => tools.get(`${server}\u0000${tool}`));
      this.#stats();
    };
  }

  async start(): Promise<void> {
    await this.#loadOverview();
    // Approvals and the feed load once the event stream is open, so no change falls between
    // the load and the first event; if the stream is slow to open, they load anyway.
    this.#connect();
    this.#fallback = window.setTimeout(() => this.#loadLive(), 3000);
    await this.#loadLimits();
    void this.catalog.load();
    this.#poll = window.setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      void this.#loadLimits();
      if (Date.now() - this.#lastOverview > OVERVIEW_EVERY_MS) void this.#loadOverview().catch(() => {});
    }, POLL_MS);
  }

  stop(): void {
    window.clearTimeout(this.#fallback);
    this.#events?.close();
    window.clearInterval(this.#poll);
  }

  async #loadOverview(): Promise<void> {
    this.#lastOverview = Date.now();
    const overview = await api<Overview>('overview');
    this.#overview = overview;
    byId('version').textContent = `v${overview.version}`;
    replaceChildren(byId('facts'),
      h('span', null, 'mode ', h('b', null, overview.mode)),
      h('span', { attrs: { title: 'Policy revision: changes whenever the policy does' } }, 'policy ', h('b', { class: 'mono' }, overview.policyRevision)),
      overview.fleet ? fleetFact(overview.fleet, overview.policyRevision) : null,
      overview.configFile ? h('span', { class: 'mono', attrs: { title: overview.configFile } }, overview.configFile.split('/').pop() ?? '') : null,
    );
    const ids = overview.servers.map((s) => s.id);
    // Keep health learnt from catalog events if the overview has not seen it yet.
    const known = new Map(this.servers.servers.map((s) => [s.id, s.health]));
    for (const server of overview.servers) if (server.health.status === 'unknown' && known.get(server.id)) server.health = known.get(server.id)!;
    this.servers.set(overview.servers);
    this.feed.setServers(ids);
    this.catalog.setServers(ids);
    this.#stats();
  }

  #loadLive(): void {
    window.clearTimeout(this.#fallback);
    void this.#loadApprovals();
    void this.feed.reload();
  }

  async #loadApprovals(): Promise<void> {
    if (this.#overview && !this.#overview.approvals.enabled) {
      replaceChildren(byId('approvals-list'), h('p', { class: 'empty' }, 'Approvals are off in this gateway.'));
      return;
    }
    try {
      const since = this.approvals.beginLoad();
      this.approvals.load(await api<Approval[]>('approvals?limit=50'), since);
    } catch (error) {
      toast(`Approvals could not be loaded: ${describe(error)}`, true);
    }
  }

  async #loadLimits(): Promise<void> {
    try {
      renderLimits(await api<RateLimitRow[]>('rate-limits'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      replaceChildren(byId('limits-list'), h('p', { class: 'empty' }, describe(error)));
    }
  }

  /** After a decision the limits changed; refresh them, at most once a second. */
  #limitsSoon(): void {
    if (this.#limitsQueued) return;
    this.#limitsQueued = true;
    window.setTimeout(() => {
      this.#limitsQueued = false;
      void this.#loadLimits();
    }, 1000);
  }

  /** Calls open sessions: refresh the session counts soon, at most once a second. */
  #overviewSoon(): void {
    if (this.#overviewQueued) return;
    this.#overviewQueued = true;
    window.setTimeout(() => {
      this.#overviewQueued = false;
      void this.#loadOverview().catch(() => {});
    }, 1000);
  }

  #connect(): void {
    const events = new EventSource('/admin/api/events');
    this.#events = events;
    const live = byId('live');
    events.addEventListener('open', () => {
      live.className = 'live on';
      live.querySelector('.live-text')!.textContent = 'Live';
      // First open, or back after a disconnect (events were missed): load the current state.
      this.#loadLive();
      if (this.#hadError) {
        this.#hadError = false;
        void this.#loadOverview().catch(() => {});
      }
    });
    events.addEventListener('error', () => {
      this.#hadError = true;
      live.className = 'live off';
      live.querySelector('.live-text')!.textContent = 'Reconnecting…';
      // EventSource cannot see a 401: ask whether the session is still good.
      void api<{ authenticated: boolean }>('session').then((s) => {
        if (!s.authenticated) signedOut();
      }, () => {});
    });
    events.addEventListener('audit', (event) => this.feed.add(JSON.parse((event as MessageEvent<string>).data) as FeedRow));
    events.addEventListener('approval', (event) => {
      this.approvals.update(JSON.parse((event as MessageEvent<string>).data) as Approval);
    });
    events.addEventListener('decision', () => {
      this.#limitsSoon();
      this.#overviewSoon();
    });
    events.addEventListener('catalog', (event) => {
      const { server, health } = JSON.parse((event as MessageEvent<string>).data) as CatalogEvent;
      this.servers.setHealth(server, health);
      this.#stats();
    });
  }

  #stats(): void {
    const overview = this.#overview;
    if (!overview) return;
    const pending = this.approvals.pending;
    const servers = this.servers.servers;
    const up = servers.filter((s) => s.health.status === 'ok').length;
    const down = servers.filter((s) => s.health.status === 'error').length;
    const rows = this.feed.rows;
    const refused = rows.filter((r) => REFUSALS.has(r.decision)).length;
    const sessions = servers.reduce((sum, s) => sum + s.sessions, 0);
    const stat = (label: string, value: string | number, sub: string, extra = '', href?: string) => {
      const body = [h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, String(value)), h('div', { class: 'stat-sub' }, sub)];
      return href ? h('a', { class: `stat ${extra}`.trim(), attrs: { href } }, ...body) : h('div', { class: `stat ${extra}`.trim() }, ...body);
    };
    replaceChildren(byId('stats'),
      stat('Waiting for approval', pending, pending ? 'decide below' : 'nothing held', pending ? 'attention' : '', '#approvals'),
      stat('Active sessions', sessions, `across ${servers.length} server${servers.length === 1 ? '' : 's'}`),
      stat('Servers reachable', down || up ? `${up} / ${servers.length}` : '–', down ? `${down} unreachable` : up ? 'all listed' : 'checking…', down ? 'bad' : '', '#servers'),
      stat('Calls refused', refused, `of the last ${rows.length} call${rows.length === 1 ? '' : 's'}`, '', '#activity'),
    );
    if (document.visibilityState === 'visible') document.title = pending ? `(${pending}) toolgate` : 'toolgate';
  }
}

function signedOut(): void {
  views.stop();
  started?.stop();
  started = undefined;
  byId('app').hidden = true;
  byId('signin').hidden = false;
  byId('signin-token').focus();
}

async function signedIn(): Promise<void> {
  byId('signin').hidden = true;
  byId('app').hidden = false;
  started = new Dashboard();
  views.start();
  try {
    await started.start();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    toast(`The dashboard could not load: ${describe(error)}`, true);
  }
}

function setUp(): void {
  whenUnauthorized(() => {
    if (started) signedOut();
  });
  const form = byId<HTMLFormElement>('signin-form');
  const input = byId<HTMLInputElement>('signin-token');
  const error = byId('signin-error');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    const token = input.value.trim();
    if (!token) {
      error.textContent = 'Paste the admin token.';
      input.focus();
      return;
    }
    const button = form.querySelector('button')!;
    button.disabled = true;
    api('session', { method: 'POST', body: { token } }).then(
      () => {
        input.value = '';
        button.disabled = false;
        void signedIn();
      },
      (failure: unknown) => {
        button.disabled = false;
        // The help below the form says where the token is; the API's hint is for scripts.
        error.textContent = failure instanceof ApiError ? `${failure.message}.` : describe(failure);
        input.select();
      },
    );
  });
  byId('signout').addEventListener('click', () => {
    void api('session', { method: 'DELETE' }).finally(signedOut);
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && started) document.title = started.approvals.pending ? `(${started.approvals.pending}) toolgate` : 'toolgate';
  });
  api<{ authenticated: boolean }>('session').then(
    (session) => (session.authenticated ? void signedIn() : signedOut()),
    () => signedOut(),
  );
}

setUp();

/** Each instance of the fleet with its policy revision; mixed revisions are called out. */
function fleetFact(fleet: NonNullable<Overview['fleet']>, own: string): HTMLElement {
  const mixed = fleet.some((member) => member.policyRevision !== own);
  const list = fleet.map((member) => `${member.instance} (${member.process}): ${member.policyRevision}`).join('\n');
  return h('span', { attrs: { id: 'fleet', title: `Instances sharing this Redis, with their policy revisions:\n${list}` } },
    `fleet of ${fleet.length}`, mixed ? h('b', { class: 'warn' }, ' — mixed policy revisions') : null);
}
