/**
 * One static page per tool: what it does (description, title, parameters), its category and
 * risk, why it needs a policy (the classifier's reasons and findings), what the config does with
 * it now, and the YAML to allow, deny, rate-limit, validate or hold it.
 */
import { formatRulePart, type CatalogEntry } from './entry.js';
import { actionBadge, categoryBadge, esc, page, riskBadge, ruleDetail } from './html-layout.js';
import { policySnippets } from './policy-snippets.js';
import { FINDING_LABEL } from './render-text.js';
import type { Category } from './types.js';

/** What a category means for the people running the tool, and what they usually do about it. */
export const CATEGORY_MEANING: Record<Category, { means: string; advice: string }> = {
  Read: { means: 'it reads data and changes nothing', advice: 'Reads are usually allowed; deny or hide the ones that reach secrets or personal data.' },
  Write: { means: 'it creates or changes data that can be changed back', advice: 'Validate the arguments and cap the pace, so a confused agent cannot write far and fast.' },
  Execute: {
    means: 'it runs something: a build, a deployment, a command or a workflow, with effects beyond the call',
    advice: 'Rate-limit it and validate its arguments; hold it for approval where a run costs money or reaches production.',
  },
  Destructive: { means: 'it deletes or overwrites what cannot be brought back', advice: 'Hold it for approval or deny it; allow it only with conditions on what it may touch.' },
  Financial: { means: 'it moves money: payments, refunds, transfers or purchases', advice: 'Hold it for approval; a rate limit alone does not bound what one call can spend.' },
  Communication: { means: 'it sends messages that reach people outside the session and cannot be unsent', advice: 'Rate-limit it and validate recipients; hold it for approval for messages sent in your name.' },
  Admin: {
    means: 'it changes identities, permissions, credentials or configuration, and so what every later call may do',
    advice: 'Hold it for approval or deny it.',
  },
};

export interface ToolPageOptions {
  /** Relative link to the index page. */
  indexHref: string;
  /** `name version` of the server, when listed live. */
  serverInfo?: string;
}

export function toolPage(entry: CatalogEntry, options: ToolPageOptions): string {
  const meaning = CATEGORY_MEANING[entry.category];
  const rule = entry.effectiveRule;
  const body = [
    `<nav class="crumbs"><a href="${esc(options.indexHref)}">All tools</a> / ${esc(entry.server)}${options.serverInfo ? ` <span class="muted">(${esc(options.serverInfo)})</span>` : ''}</nav>`,
    `<h1><code>${esc(entry.name)}</code></h1>`,
    entry.title ? `<p class="muted">${esc(entry.title)}</p>` : '',
    `<div class="meta">${categoryBadge(entry.category, entry.overridden)} ${riskBadge(entry.risk)} ${actionBadge(rule.action)} <span class="muted">${entry.params.length} parameter${entry.params.length === 1 ? '' : 's'}, ${entry.requiredParams.length} required</span></div>`,
    section('What it does', whatItDoes(entry)),
    section('Parameters', paramsTable(entry)),
    section(
      'Why it needs a policy',
      [
        `<p><code>${esc(entry.name)}</code> is a <strong>${esc(entry.category)}</strong> tool with <strong>${esc(entry.risk.toLowerCase())}</strong> risk: ${esc(meaning.means)}. ${esc(meaning.advice)}${
          entry.findings.some((f) => f.kind === 'poisoning')
            ? ' <strong>Its definition itself is suspect</strong>: it carries text aimed at the model (below). Deny or hide it until someone has read the server\'s code.'
            : ''
        }</p>`,
        entry.overridden
          ? `<p class="note">The config sets this tool to ${esc(entry.category)} / ${esc(entry.risk)}; the classifier alone says ${esc(entry.classifier.category)} / ${esc(entry.classifier.risk)}.</p>`
          : '',
        findingsNotes(entry),
        `<h3>From the tool's definition</h3>`,
        entry.rationale.length > 0 ? `<ul class="reasons">${entry.rationale.map((r) => `<li>${inlineCode(r)}</li>`).join('')}</ul>` : '<p class="muted">No signal stood out.</p>',
      ].join('\n'),
    ),
    section('What your policy does now', ruleBlock(entry)),
    section(
      'Policy recipes',
      `<p>Paste one under <code>policies:</code> in your config (the server id is <code>${esc(entry.server)}</code>). The gateway picks the change up while running.</p>\n` +
        policySnippets(entry)
          .map((s) => `<h3 id="${esc(s.id)}">${esc(s.title)}</h3>\n<p>${inlineCode(s.explanation)}</p>\n<pre><code>${esc(s.yaml)}</code></pre>`)
          .join('\n'),
    ),
    section('Questions', faq(entry)),
  ]
    .filter(Boolean)
    .join('\n');
  return page({ title: `${entry.name} — ${entry.server} — toolgate catalog`, body });
}

function section(title: string, html: string): string {
  const id = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return `<section id="${id}">\n<h2>${esc(title)}</h2>\n${html}\n</section>`;
}

function whatItDoes(entry: CatalogEntry): string {
  const parts: string[] = [];
  if (entry.description.trim() === '') {
    parts.push(`<p class="note">The server gives no description. An agent choosing this tool knows only its name and parameters, and so does the classifier.</p>`);
  } else {
    parts.push(`<div class="description">${esc(entry.description)}</div>`);
    if (entry.findings.some((f) => f.kind === 'thin_description')) {
      parts.push(`<p class="note">The description is thin: it says little beyond the name, so the verdict rests mostly on the name and parameters.</p>`);
    }
  }
  const a = entry.annotations;
  if (a) {
    const hints = (['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const)
      .filter((k) => typeof a[k] === 'boolean')
      .map((k) => `<code>${k}: ${a[k]}</code>`);
    if (hints.length > 0) parts.push(`<p class="muted">The server's annotations (its own claims, not checked): ${hints.join(' ')}</p>`);
  }
  return parts.join('\n');
}

function paramsTable(entry: CatalogEntry): string {
  if (entry.params.length === 0) return '<p class="muted">It takes no parameters.</p>';
  const rows = entry.params.map(
    (p) =>
      `<tr><td><code>${esc(p.name)}</code></td><td><code>${esc(p.type)}</code></td>${p.required ? '<td class="req">required</td>' : '<td class="muted">optional</td>'}<td>${esc(p.description ?? '')}${
        p.default !== undefined ? ` <span class="muted">(default <code>${esc(JSON.stringify(p.default))}</code>)</span>` : ''
      }</td></tr>`,
  );
  return `<table><thead><tr><th>Name</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function findingsNotes(entry: CatalogEntry): string {
  return entry.findings
    .filter((f) => f.kind !== 'thin_description')
    .map((f) => `<p class="note${f.kind === 'poisoning' ? ' danger' : ''}"><strong>${esc(FINDING_LABEL[f.kind])}:</strong> ${inlineCode(f.message)}</p>`)
    .join('\n');
}

function ruleBlock(entry: CatalogEntry): string {
  const rule = entry.effectiveRule;
  const rows = rule.parts.map((p) => `<dt>${esc(p.part)}</dt><dd><code>${esc(formatRulePart(p.part, p.value))}</code> <span class="muted">from ${esc(p.from)}</span></dd>`);
  const detail = ruleDetail(rule.summary);
  return `<div class="rule"><p>${actionBadge(rule.action)} <strong>${esc(detail === '' ? rule.summary : detail)}</strong></p><p class="muted">Governed by ${esc(rule.source.where)}.</p>${
    rows.length > 0 ? `<dl>${rows.join('')}</dl>` : ''
  }</div>`;
}

function faq(entry: CatalogEntry): string {
  const name = `<code>${esc(entry.name)}</code>`;
  const qa: Array<[string, string]> = [
    [`What does ${esc(entry.name)} do?`, entry.description.trim() ? `See <a href="#what-it-does">its description</a> above, as the server gives it to the agent.` : 'The server does not say: its description is empty.'],
    [`What risk level is ${esc(entry.name)}?`, `${esc(entry.risk)}, as a ${esc(entry.category)} tool. ${esc(CATEGORY_MEANING[entry.category].advice)}`],
    [`Can I rate-limit ${esc(entry.name)}?`, `Yes: see <a href="#rate_limit">Rate-limit it</a>. Limits count per agent session by default and free each slot a window after its call.`],
    [`How do I block ${esc(entry.name)} completely?`, `Give it <code>action: deny</code> with a <code>reason</code> (<a href="#deny">Deny it</a>); the agent gets the reason as a policy violation. <code>action: hide</code> also removes ${name} from the tool list.`],
    [`Which server provides ${esc(entry.name)}?`, `The server configured as <code>${esc(entry.server)}</code>; toolgate sits in front of it and checks every call before it arrives.`],
  ];
  return qa.map(([q, a]) => `<details><summary>${q}</summary><p>${a}</p></details>`).join('\n');
}

/** Escapes, then shows `backticked` spans as code: the classifier writes parameter names that way. */
function inlineCode(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}
