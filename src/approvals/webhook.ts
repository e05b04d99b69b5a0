import type { Logger } from 'pino';
import type { Approval } from './types.js';

export interface WebhookConfig {
  url: string;
  format: 'json' | 'slack';
  headers: Record<string, string>;
}

export interface DeliveryResult {
  channel: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

const RETRY_DELAYS_MS = [500, 2000, 5000];
const REQUEST_TIMEOUT_MS = 5000;

/**
 * The webhook body: the approval as JSON, or Slack-compatible text (`{ text }`). The tool name,
 * the arguments and the session come from the agent, so in the Slack text every value is shown
 * as data, never as markup: `&`, `<` and `>` are escaped as Slack requires (no `<!channel>`, no
 * disguised `<http://evil|approve>` link), and each value sits in a code span or block, where
 * Slack applies no formatting. A value that is not a plain name is written as a JSON string whose
 * backticks are `\u0060` (it cannot close its code span) and whose line breaks are `\n` (it
 * cannot start a line of its own, such as a fake "already approved").
 */
export function webhookBody(approval: Approval, format: WebhookConfig['format'], dashboardUrl?: string): string {
  if (format === 'json') return JSON.stringify({ type: 'toolgate.approval.pending', approval, dashboardUrl });
  const args = JSON.stringify(approval.arguments, null, 2);
  const shown = args.length > MAX_SLACK_ARGUMENTS ? `${args.slice(0, MAX_SLACK_ARGUMENTS)}\n…` : args;
  const classified = approval.category ? ` (${slackEscape(approval.category)}${approval.risk ? `, ${slackEscape(approval.risk)} risk` : ''})` : '';
  const approve = `\`toolgate approvals approve ${slackEscape(approval.id)}\``;
  const lines = [
    `*toolgate: approval needed* for ${code(approval.tool)} on ${code(approval.server)}${classified}`,
    `Rule: ${code(approval.rule)}${approval.agent === undefined ? '' : ` · agent ${code(approval.agent)}`} · session ${approval.session === undefined ? '(none)' : code(approval.session)} · expires ${new Date(approval.expiresAt).toISOString()}`,
    '```',
    slackEscape(shown).replaceAll('`', '\\u0060'),
    '```',
    dashboardUrl ? `Approve or refuse: ${slackEscape(dashboardUrl)} · or ${approve}` : `Approve: ${approve}`,
  ];
  return JSON.stringify({ text: lines.join('\n') });
}

/** Arguments beyond this many characters of JSON are cut in the Slack text (the dashboard shows them all). */
const MAX_SLACK_ARGUMENTS = 2500;

/** Slack's three control characters, as its formatting rules ask: everything else is literal. */
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Names as tools, servers and rules usually have them: shown as they are. */
const PLAIN = /^[A-Za-z0-9_.:/*?@+=-]+$/;

/** A value as an inline code span: as it is when plain, else a JSON string, which shows it exactly and cannot end the span or the line. */
function code(value: string): string {
  const text = PLAIN.test(value) ? value : slackEscape(JSON.stringify(value)).replaceAll('`', '\\u0060');
  return `\`${text}\``;
}

/**
 * Posts the hold to a webhook, retrying (0.5 s, 2 s, 5 s) on network errors and non-2xx answers.
 * Never throws: the result says whether and how it was delivered, and is recorded on the approval.
 */
export async function deliverWebhook(
  approval: Approval,
  hook: WebhookConfig,
  log: Logger,
  dashboardUrl?: string,
  delays: readonly number[] = RETRY_DELAYS_MS,
): Promise<DeliveryResult> {
  const body = webhookBody(approval, hook.format, dashboardUrl);
  let error = '';
  for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        headers: { ...hook.headers, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.ok) return { channel: 'webhook', ok: true, attempts: attempt };
      error = `HTTP ${response.status}`;
    } catch (cause) {
      const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
      error = reason;
    }
    if (attempt <= delays.length) await new Promise((resolve) => setTimeout(resolve, delays[attempt - 1]));
  }
  log.warn({ approval: approval.id, url: hook.url, error }, 'the approval webhook could not be delivered');
  return { channel: 'webhook', ok: false, attempts: delays.length + 1, error };
}
