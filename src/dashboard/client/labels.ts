/** Words and colours for the gateway's vocabulary, in one place so every panel says the same. */

export const DECISIONS: Record<string, { label: string; tone: string }> = {
  allowed: { label: 'Allowed', tone: 'b-green' },
  approval_pending: { label: 'Waiting for approval', tone: 'b-blue' },
  approved: { label: 'Approved', tone: 'b-green' },
  refused: { label: 'Refused', tone: 'b-red' },
  denied: { label: 'Denied', tone: 'b-red' },
  hidden: { label: 'Hidden', tone: '' },
  rate_limited: { label: 'Rate limited', tone: 'b-amber' },
  over_budget: { label: 'Over budget', tone: 'b-amber' },
  invalid_arguments: { label: 'Invalid arguments', tone: 'b-orange' },
  monitor_would_refuse: { label: 'Would refuse (monitor)', tone: 'b-purple' },
  upstream_error: { label: 'Upstream error', tone: 'b-red' },
  expired: { label: 'Expired', tone: '' },
  abandoned: { label: 'Abandoned', tone: '' },
};

/** Decisions where toolgate kept the call from the upstream. */
export const REFUSALS = new Set(['denied', 'hidden', 'rate_limited', 'over_budget', 'invalid_arguments', 'refused', 'expired']);

export function decisionLabel(decision: string): { label: string; tone: string } {
  return DECISIONS[decision] ?? { label: decision.replaceAll('_', ' '), tone: '' };
}

export const RISK_TONE: Record<string, string> = { Low: 'b-green', Medium: 'b-amber', High: 'b-orange', Critical: 'b-red' };
export const CATEGORY_TONE: Record<string, string> = {
  Read: 'b-outline',
  Write: 'b-blue',
  Execute: 'b-purple',
  Destructive: 'b-red',
  Financial: 'b-amber',
  Communication: 'b-blue',
  Admin: 'b-orange',
};
export const ACTION: Record<string, { label: string; tone: string }> = {
  allow: { label: 'allow', tone: 'b-green' },
  deny: { label: 'deny', tone: 'b-red' },
  hide: { label: 'hide', tone: '' },
  require_approval: { label: 'require approval', tone: 'b-blue' },
};
