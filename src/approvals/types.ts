/**
 * Approval holds: a `require_approval` call waits, stored, until a person approves or refuses it,
 * or it expires. These types are the contract between the hold logic (approvals/), the admin API
 * and dashboard (admin/), and the CLI.
 */

export type ApprovalStatus =
  | 'pending'
  /** Approved; the held call was forwarded with exactly the held arguments. */
  | 'approved'
  /** Refused by a person, with a reason the agent reads. */
  | 'refused'
  /** Nobody answered within the rule's timeout. */
  | 'expired'
  /** The agent's connection went away (cancelled, disconnected, or the gateway restarted) before an answer. */
  | 'abandoned';

export interface Approval {
  id: string;
  server: string;
  tool: string;
  /** The full arguments as held: exactly what is forwarded on approval. */
  arguments: Record<string, unknown>;
  session?: string;
  /** The verified agent that made the held call (absent in holds stored before agents were recorded). */
  agent?: string;
  /** The JSON-RPC id of the held call, as the client sent it. */
  requestId: string | number;
  /** The rule that asked for approval (`deploy_webapp`, `category:Destructive`). */
  rule: string;
  /** Catalog facts when known, for the approver. */
  category?: string;
  risk?: string;
  createdAt: number;
  expiresAt: number;
  status: ApprovalStatus;
  /** The gateway process holding the call (`host:pid`): only it can forward the call. */
  heldBy: string;
  decidedAt?: number;
  /** Who decided: the named operator (admin.users); with the shared token `dashboard`, `cli`, `api` or a name given; or `elicitation (agent user)`. */
  decidedBy?: string;
  /** The approver's reason (refusals), or why it was closed (expired, abandoned). */
  reason?: string;
  /** Notification channels told about the hold, and whether they got it. */
  notified?: Array<{ channel: string; ok: boolean; attempts: number; error?: string }>;
  /** For approvals that cover later calls: `session` = this tool in this session until `grantUntil`. */
  grant?: { scope: 'session'; until: number };
}

/** How a pending approval ends: written once, atomically, by whichever process decides first. */
export interface ApprovalDecision {
  status: Exclude<ApprovalStatus, 'pending'>;
  decidedBy: string;
  reason?: string;
  grant?: Approval['grant'];
}

export interface ApproveOptions {
  /** `once` (default): only this call. `session`: this tool in this session for `minutes`. */
  scope?: 'once' | 'session';
  minutes?: number;
  approver?: string;
}

/** What the admin API, dashboard and CLI use to see and act on holds. */
export interface ApprovalService {
  list(filter?: { status?: ApprovalStatus; limit?: number }): Promise<Approval[]>;
  get(id: string): Promise<Approval | undefined>;
  /**
   * Rejects with ToolgateError('not_found' | 'conflict') when the id is unknown or no longer
   * pending, and with 'store_error' when the decision cannot be stored (the call stays held).
   */
  approve(id: string, options?: ApproveOptions): Promise<Approval>;
  refuse(id: string, reason: string, approver?: string): Promise<Approval>;
  /** Every change to an approval (created, decided, expired...), for live views. Returns unsubscribe. */
  subscribe(listener: (approval: Approval) => void): () => void;
  /** Calls this process holds right now. */
  readonly pendingCount: number;
}
