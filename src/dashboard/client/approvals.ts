/**
 * The approvals queue: each held call with its arguments, what the catalog says of the tool, a
 * countdown to expiry, and the three answers. Cards are kept by id and changed in place (the
 * countdown ticks without re-rendering), so a half-typed refusal reason is never lost.
 */
import type { Approval } from '../../admin/api-types.js';
import { api, describe } from './api.js';
import { ago, badge, byId, countdown, h, jsonBlock, replaceChildren, toast } from './dom.js';
import { CATEGORY_TONE, RISK_TONE } from './labels.js';

const SESSION_MINUTES = [15, 30, 60, 240, 480];
const RECENT = 8;
const APPROVER_KEY = 'toolgate.approver';

export class ApprovalsPanel {
  readonly #cards = new Map<string, { approval: Approval; el: HTMLElement; countdown: HTMLElement }>();
  #recent: Approval[] = [];
  /** Event sequence: which approvals events changed, and when, to tell them from an older list. */
  #seq = 0;
  readonly #changedAt = new Map<string, number>();
  onCountChange: (pending: number) => void = () => {};

  constructor() {
    const approver = byId<HTMLInputElement>('approver');
    approver.value = localStorage.getItem(APPROVER_KEY) ?? '';
    approver.addEventListener('change', () => localStorage.setItem(APPROVER_KEY, approver.value.trim()));
    window.setInterval(() => this.#tick(), 1000);
  }

  get pending(): number {
    return this.#cards.size;
  }

  /** Call before requesting the list; pass the number to `load`. */
  beginLoad(): number {
    return this.#seq;
  }

  /**
   * Takes the gateway's list (on load and after a reconnect). Events that arrived while the list
   * was on its way are newer than it, so what they said stands.
   */
  load(approvals: Approval[], since: number): void {
    const newer = new Set([...this.#changedAt].filter(([, seq]) => seq > since).map(([id]) => id));
    for (const id of [...this.#cards.keys()]) {
      if (!newer.has(id) && !approvals.some((a) => a.id === id && a.status === 'pending')) this.#removeCard(id);
    }
    const decided = approvals.filter((a) => a.status !== 'pending' && !newer.has(a.id));
    this.#recent = [...this.#recent.filter((a) => newer.has(a.id)), ...decided].sort((a, b) => (b.decidedAt ?? 0) - (a.decidedAt ?? 0)).slice(0, RECENT);
    for (const approval of approvals) if (approval.status === 'pending' && !newer.has(approval.id)) this.#apply(approval);
    this.#render();
  }

  /** One approval changed (an `approval` event). */
  update(approval: Approval): void {
    this.#changedAt.set(approval.id, ++this.#seq);
    if (this.#changedAt.size > 1000) this.#changedAt.delete(this.#changedAt.keys().next().value!);
    this.#apply(approval);
    this.#render();
  }

  #apply(approval: Approval): void {
    if (approval.status === 'pending') {
      const existing = this.#cards.get(approval.id);
      if (existing) existing.approval = approval;
      else this.#addCard(approval);
    } else {
      this.#removeCard(approval.id);
      this.#recent = [approval, ...this.#recent.filter((a) => a.id !== approval.id)].slice(0, RECENT);
    }
  }

  #addCard(approval: Approval): void {
    const timer = h('span', { class: 'countdown', attrs: { 'aria-label': 'time left to decide' } });
    const el = h('article', { class: 'approval', attrs: { 'aria-label': `Held call ${approval.tool} on ${approval.server}`, 'data-approval': approval.id } });
    this.#cards.set(approval.id, { approval, el, countdown: timer });
    this.#fill(approval, el, timer);
    this.#tick();
  }

  #fill(approval: Approval, el: HTMLElement, timer: HTMLElement): void {
    const title = h('h3', { class: 'approval-title' }, h('span', { class: 'approval-server' }, `${approval.server} /`), approval.tool);
    const badges = h('span', { class: 'actions approval-badges' });
    this.#fillBadges(approval, badges);
    const meta = h('div', { class: 'approval-meta' },
      h('span', null, 'rule ', h('code', null, approval.rule)),
      ...(approval.agent ? [h('span', null, 'asked by ', h('strong', null, approval.agent))] : []),
      h('span', null, approval.session ? `session ${approval.session.slice(0, 8)}` : 'no session'),
      h('span', { attrs: { title: new Date(approval.createdAt).toLocaleString() } }, `held ${ago(approval.createdAt)}`),
    );
    const argsLabel = `args-${approval.id}`;
    const args = jsonBlock(approval.arguments);
    args.setAttribute('aria-labelledby', argsLabel);

    const approveOnce = h('button', { class: 'btn btn-approve', attrs: { type: 'button' } }, 'Approve once');
    const minutes = h('select', { attrs: { 'aria-label': 'How long to approve this tool for the session' } },
      ...SESSION_MINUTES.map((m) => h('option', { attrs: { value: m, selected: m === 30 } }, m < 60 ? `${m} min` : `${m / 60} h`)),
    );
    const approveSession = h('button', { class: 'btn', attrs: { type: 'button', disabled: !approval.session, title: approval.session ? undefined : 'This call has no session; approve it once' } }, 'Approve for session');
    const refuse = h('button', { class: 'btn btn-danger', attrs: { type: 'button', 'aria-expanded': 'false' } }, 'Refuse…');
    const actions = h('div', { class: 'actions' }, approveOnce, h('span', { class: 'session-approve' }, approveSession, minutes), refuse);

    const reasonId = `reason-${approval.id}`;
    const reason = h('textarea', { attrs: { id: reasonId, maxlength: 1000, placeholder: 'e.g. Deploy from the release branch instead.' } });
    const refuseSubmit = h('button', { class: 'btn btn-danger-solid', attrs: { type: 'submit', disabled: true } }, 'Refuse call');
    const refuseCancel = h('button', { class: 'btn', attrs: { type: 'button' } }, 'Cancel');
    const refuseForm = h('form', { class: 'refuse-form', attrs: { hidden: true } },
      h('label', { attrs: { for: reasonId } }, 'Reason — the agent reads this'),
      reason,
      h('div', { class: 'actions' }, refuseCancel, refuseSubmit),
    );

    const busy = (on: boolean) => {
      for (const b of [approveOnce, approveSession, refuse, refuseSubmit]) b.disabled = on || (b === approveSession && !approval.session) || (b === refuseSubmit && !reason.value.trim());
    };
    const decide = (path: string, body: Record<string, unknown>, done: string) => {
      busy(true);
      el.classList.add('leaving');
      api(`approvals/${encodeURIComponent(approval.id)}/${path}`, { method: 'POST', body: { ...body, approver: approverName() } }).then(
        () => toast(done),
        (error: unknown) => {
          el.classList.remove('leaving');
          busy(false);
          toast(describe(error), true);
        },
      );
    };
    approveOnce.addEventListener('click', () => decide('approve', { scope: 'once' }, `Approved ${approval.tool} once`));
    approveSession.addEventListener('click', () => {
      const m = Number(minutes.value);
      decide('approve', { scope: 'session', minutes: m }, `Approved ${approval.tool} for this session, ${m} min`);
    });
    refuse.addEventListener('click', () => {
      refuseForm.hidden = !refuseForm.hidden;
      refuse.setAttribute('aria-expanded', String(!refuseForm.hidden));
      if (!refuseForm.hidden) reason.focus();
    });
    refuseCancel.addEventListener('click', () => {
      refuseForm.hidden = true;
      refuse.setAttribute('aria-expanded', 'false');
      refuse.focus();
    });
    reason.addEventListener('input', () => (refuseSubmit.disabled = !reason.value.trim()));
    refuseForm.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!reason.value.trim()) return;
      decide('refuse', { reason: reason.value.trim() }, `Refused ${approval.tool}`);
    });

    replaceChildren(el,
      h('div', { class: 'approval-top' }, h('div', null, title, meta), h('div', { class: 'actions' }, badges, h('span', null, 'expires in ', timer))),
      h('div', null, h('div', { class: 'small muted', attrs: { id: argsLabel } }, 'Arguments (exactly what will be sent)'), args),
      actions,
      refuseForm,
    );
  }

  /** The catalog loaded: holds that came without a category or risk can show the catalog's. */
  setClassifier(lookup: (server: string, tool: string) => { category: string; risk: string } | undefined): void {
    this.#lookup = lookup;
    for (const { approval, el } of this.#cards.values()) {
      const badges = el.querySelector<HTMLElement>('.approval-badges');
      if (badges) this.#fillBadges(approval, badges);
    }
  }

  #lookup: (server: string, tool: string) => { category: string; risk: string } | undefined = () => undefined;

  #fillBadges(approval: Approval, into: HTMLElement): void {
    const known = approval.category && approval.risk ? undefined : this.#lookup(approval.server, approval.tool);
    const category = approval.category ?? known?.category;
    const risk = approval.risk ?? known?.risk;
    replaceChildren(into,
      category ? badge(category, CATEGORY_TONE[category] ?? '', 'Category (from the catalog)') : null,
      risk ? badge(`${risk} risk`, RISK_TONE[risk] ?? '', 'Risk (from the catalog)') : null,
    );
  }

  #removeCard(id: string): void {
    const card = this.#cards.get(id);
    if (!card) return;
    card.el.remove();
    this.#cards.delete(id);
  }

  #tick(): void {
    const now = Date.now();
    for (const { approval, countdown: timer } of this.#cards.values()) {
      const left = (approval.expiresAt - now) / 1000;
      timer.textContent = countdown(left);
      timer.classList.toggle('soon', left < 60);
    }
  }

  #render(): void {
    const list = byId('approvals-list');
    const cards = [...this.#cards.values()].sort((a, b) => a.approval.expiresAt - b.approval.expiresAt);
    // Keep existing nodes (focus, typed reasons); only order and add.
    for (const card of cards) list.appendChild(card.el);
    const empty = list.querySelector('.approvals-empty');
    if (cards.length === 0 && !empty) list.appendChild(h('p', { class: 'approvals-empty' }, 'No calls are waiting for approval.'));
    if (cards.length > 0) empty?.remove();

    const count = byId('approvals-count');
    count.hidden = cards.length === 0;
    count.textContent = String(cards.length);
    count.setAttribute('aria-label', `${cards.length} waiting`);

    const recent = byId('approvals-recent');
    recent.hidden = this.#recent.length === 0;
    replaceChildren(byId('approvals-recent-list'), ...this.#recent.map((a) => recentItem(a)));
    this.onCountChange(cards.length);
  }
}

function recentItem(a: Approval): HTMLElement {
  const tone = a.status === 'approved' ? 'b-green' : a.status === 'refused' ? 'b-red' : '';
  const grant = a.grant ? ` for the session until ${new Date(a.grant.until).toLocaleTimeString()}` : '';
  return h('li', null,
    badge(a.status, tone),
    h('b', null, a.tool),
    h('span', { class: 'muted' }, `on ${a.server}${a.decidedBy ? ` by ${a.decidedBy}` : ''}${grant}${a.decidedAt ? `, ${ago(a.decidedAt)}` : ''}`),
    a.reason ? h('span', { class: 'muted' }, `— ${a.reason}`) : null,
  );
}

function approverName(): string | undefined {
  const value = byId<HTMLInputElement>('approver').value.trim();
  return value || undefined;
}
