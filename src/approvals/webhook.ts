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

/** The webhook body: the approval as JSON, or Slack-compatible text (`{ text }`). */
export function webhookBody(approval: Approval, format: WebhookConfig['format'], dashboardUrl?: string): string {
  if (format === 'json') return JSON.stringify({ type: 'toolgate.approval.pending', approval, dashboardUrl });
  const args = JSON.stringify(approval.arguments, null, 2);
  const lines = [
    `*toolgate: approval needed* for \`${approval.tool}\` on \`${approval.server}\`${approval.category ? ` (${approval.category}${approval.risk ? `, ${approval.risk} risk` : ''})` : ''}`,
    `Rule: \`${approval.rule}\` · session \`${approval.session ?? 'none'}\` · expires ${new Date(approval.expiresAt).toISOString()}`,
    '```',
    args.length > 2500 ? `${args.slice(0, 2500)}\n…` : args,
    '```',
    dashboardUrl ? `Approve or refuse: ${dashboardUrl} · or \`toolgate approvals approve ${approval.id}\`` : `Approve: \`toolgate approvals approve ${approval.id}\``,
  ];
  return JSON.stringify({ text: lines.join('\n') });
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
