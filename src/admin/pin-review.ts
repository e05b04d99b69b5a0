/**
 * The admin API's pin review: every tool whose pin is not simply ok, and a person's decision on a
 * definition waiting for review, recorded in the audit trail under the operator's name.
 */
import { pinDecisionEvent } from '../audit/record.js';
import { isPending } from '../catalog/pins.js';
import { detectPoisoning } from '../catalog/poisoning.js';
import type { ToolDefinition } from '../catalog/types.js';
import type { OperatorRole } from '../config/types.js';
import type { AdminHost } from './admin-api.js';
import { adminError } from './http.js';

export type PinDecision = 'accept' | 'reject';

/** Who may accept or reject a tool definition: it changes what every agent can call. */
export const PIN_DECISION_ROLE: OperatorRole = 'admin';

export class PinReviewApi {
  readonly #host: AdminHost;

  constructor(host: AdminHost) {
    this.#host = host;
  }

  /**
   * Those waiting for review (changed, added) with the diff and what the poisoning checks find in
   * the new definition, then the rejected and the removed ones, ordered by server and tool.
   */
  async list() {
    const records = (await this.#store().list()).filter((pin) => pin.status !== 'ok');
    return records.map((pin) => {
      const seen = pin.seenDefinition ? (JSON.parse(pin.seenDefinition) as ToolDefinition) : undefined;
      const before = pin.definition ? detectPoisoning(JSON.parse(pin.definition) as ToolDefinition).findings.length : 0;
      return {
        server: pin.server,
        tool: pin.tool,
        status: pin.status,
        pinnedAt: pin.pinnedAt ?? null,
        changedAt: pin.changedAt ?? null,
        removedAt: pin.removedAt ?? null,
        rejectedAt: pin.rejectedAt ?? null,
        pinnedHash: pin.hash ?? null,
        seenHash: pin.seenHash ?? null,
        diff: pin.diff ?? '',
        findings: seen ? detectPoisoning(seen).findings : [],
        findingsBefore: before,
      };
    });
  }

  /** Accepts the definition waiting (or a rejected one), or rejects the one waiting. */
  async decide(server: string, tool: string, decision: PinDecision, approver: string) {
    if (!this.#host.serverIds().includes(server)) throw adminError('not_found', `No MCP server "${server.slice(0, 100)}" is configured`, `known servers: ${this.#host.serverIds().join(', ')}`);
    const pins = this.#store();
    const pin = await pins.get(server, tool);
    if (pin === undefined || !(isPending(pin) || (decision === 'accept' && pin.status === 'rejected'))) {
      throw adminError('not_found', `Tool "${tool}" on server "${server}" has no change waiting for review`, 'GET /admin/api/pins lists the changes waiting');
    }
    const after = decision === 'accept' ? await pins.accept(server, tool) : await pins.reject(server, tool);
    const event = pinDecisionEvent(decision === 'accept' ? 'accepted' : 'rejected', pin, after, approver, this.#host.now());
    this.#host.audit?.recordPin(event);
    this.#host.log.warn({ server, tool, approver, hash: event.seenSha256 }, `pin ${event.kind} by ${approver}: the new definition of tool "${tool}" on server "${server}" ${decision === 'accept' ? 'is now the pinned one' : 'stays blocked'}`);
    return after;
  }

  #store() {
    const pins = this.#host.pins;
    if (!pins) throw adminError('not_found', 'This gateway has no pin store', 'pinning needs the state store (data_dir)');
    return pins;
  }
}
