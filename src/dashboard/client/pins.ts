/**
 * The pin review view (#/pins): each definition waiting for review — a changed one, or a tool that
 * appeared after its server was pinned — with its diff and what the poisoning checks find, then
 * the rejected and the removed ones. Accept and Reject are offered only to an operator whose role
 * may decide (the API answers 403 to anyone else); others see the review read-only, with a note
 * naming the role needed. Buttons and a focusable diff only, so it all works from the keyboard.
 */
import type { PinReview } from '../../admin/api-types.js';
import { api, describe } from './api.js';
import { ago, badge, h, replaceChildren, toast } from './dom.js';
import { link, toolHref } from './history.js';

/** Who is signed in, as `GET session` says (the shared admin token has no name and the admin role). */
export interface SignedIn {
  operator?: string;
  role?: 'viewer' | 'approver' | 'admin';
}

/** The role the API asks for to accept or reject (src/admin/pin-review.ts). */
const DECIDING_ROLE = 'admin';

const panel = (title: string, ...children: Array<Node | string | null>) =>
  h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', null, title)), ...children);

export function renderPins(view: HTMLElement, pins: PinReview[], who: SignedIn, reload: () => void): void {
  const role = who.role ?? 'admin';
  const mayDecide = role === DECIDING_ROLE;
  const waiting = pins.filter((pin) => pin.status === 'changed' || pin.status === 'added');
  const rejected = pins.filter((pin) => pin.status === 'rejected');
  const removed = pins.filter((pin) => pin.status === 'removed');
  const readOnly = mayDecide
    ? null
    : h('p', { class: 'note', attrs: { id: 'pins-read-only', role: 'note' } },
      `Read-only: you are signed in as ${who.operator ?? 'an operator'} with the role ${role}; accepting or rejecting a tool definition needs the role ${DECIDING_ROLE}.`);
  const card = (pin: PinReview) => pinCard(pin, mayDecide, reload);
  replaceChildren(view,
    panel('Tool definitions waiting for review', readOnly,
      h('p', { class: 'muted small' }, 'A changed definition, or a tool that appeared after its server was pinned, stays hidden from agents (pinning: block) until a person accepts it here or with toolgate pins accept. Rejecting keeps it blocked and takes it off this list.'),
      ...(waiting.length ? waiting.map(card) : [h('p', { class: 'empty' }, 'No definition is waiting for review.')])),
    rejected.length ? panel('Rejected definitions', h('p', { class: 'muted small' }, 'Blocked whenever the server shows them; another definition from the server waits for review again.'), ...rejected.map(card)) : null,
    removed.length
      ? panel('Removed tools',
        h('ul', { class: 'plain-list removed-pins' }, ...removed.map((pin) =>
          h('li', { attrs: { 'data-server': pin.server, 'data-tool': pin.tool } }, link(toolHref(pin.server, pin.tool), pin.tool), ` on ${pin.server}: no longer listed since ${pin.removedAt ? ago(pin.removedAt) : '?'}; the pin is kept (the same definition back is fine, a different one waits for review)`))))
      : null);
}

function pinCard(pin: PinReview, mayDecide: boolean, reload: () => void): HTMLElement {
  const when = pin.status === 'added' ? `new tool, appeared ${pin.changedAt ? ago(pin.changedAt) : ''}` : pin.status === 'rejected' ? `rejected ${pin.rejectedAt ? ago(pin.rejectedAt) : ''}` : `changed ${pin.changedAt ? ago(pin.changedAt) : ''}`;
  const tone = pin.status === 'rejected' ? 'b-red' : pin.status === 'added' ? 'b-purple' : 'b-amber';
  const diff = h('pre', { class: 'diff', attrs: { tabindex: 0, 'aria-label': `Changes to ${pin.tool}` } },
    ...pin.diff.split('\n').map((line) => h('span', { class: line.startsWith('+') && !line.startsWith('+++') ? 'diff-add' : line.startsWith('-') && !line.startsWith('---') ? 'diff-del' : '' }, `${line}\n`)));
  const actions = mayDecide ? decisionButtons(pin, reload) : null;
  return h('article', { class: 'pin', attrs: { 'data-server': pin.server, 'data-tool': pin.tool, 'data-status': pin.status } },
    h('h3', null, link(toolHref(pin.server, pin.tool), pin.tool), ' ', badge(pin.status, tone), h('span', { class: 'muted small' }, ` on ${pin.server}, ${when}`)),
    pin.findings.length
      ? h('ul', { class: 'plain-list findings' }, ...pin.findings.map((f) => h('li', null, badge(f.kind, 'b-red'), ' ', f.message)))
      : h('p', { class: 'muted small' }, 'The poisoning checks find nothing in the new definition.'),
    diff,
    actions);
}

function decisionButtons(pin: PinReview, reload: () => void): HTMLElement {
  const buttons: HTMLButtonElement[] = [];
  const decide = (decision: 'accept' | 'reject', done: string) => {
    for (const button of buttons) button.disabled = true;
    const approver = (document.getElementById('approver') as HTMLInputElement | null)?.value.trim() || undefined;
    api(`pins/${encodeURIComponent(pin.server)}/${encodeURIComponent(pin.tool)}/${decision}`, { method: 'POST', body: approver ? { approver } : {} }).then(
      () => {
        toast(done);
        reload();
      },
      (error: unknown) => {
        for (const button of buttons) button.disabled = false;
        toast(`Could not ${decision}: ${describe(error)}`, true);
      },
    );
  };
  const accept = h('button', { class: 'btn btn-approve btn-small', attrs: { type: 'button' } }, `Accept the new definition of ${pin.tool}`);
  accept.addEventListener('click', () => decide('accept', `Accepted: ${pin.tool} on ${pin.server} is pinned to its new definition`));
  buttons.push(accept);
  if (pin.status !== 'rejected') {
    const reject = h('button', { class: 'btn btn-danger btn-small', attrs: { type: 'button' } }, `Reject the new definition of ${pin.tool}`);
    reject.addEventListener('click', () => decide('reject', `Rejected: the new definition of ${pin.tool} on ${pin.server} stays blocked`));
    buttons.push(reject);
  }
  return h('div', { class: 'pin-actions' }, ...buttons);
}
