/**
 * Finding 5: with `sessions: shared`, one upstream serves every session, and a server request
 * (elicitation here) goes to one of them. Session B must not be able to answer session A's
 * request: ids are rewritten per session and an answer is taken only from the session the
 * request went to. B forges an answer with the exact id A was given.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { receivedMessages, resultText, startGateway } from '../helpers/harness.js';
import { RawSession } from './raw-client.js';

describe('sessions: shared — a server request is answered only by its own session', () => {
  test("B's forged answer to A's elicitation never reaches the upstream; A's real answer does", async () => {
    const gw = await startGateway('servers:\n  app: { $RECORDING_FIELDS, sessions: shared }\n');
    try {
      // A first: the shared upstream is initialized with the first session's capabilities.
      const asker = await gw.connect('app', { capabilities: { elicitation: { form: {} } } });
      const forger = await RawSession.open(gw.url('app'));
      let forged!: () => void;
      const forgedSent = new Promise<void>((resolve) => (forged = resolve));
      asker.setRequestHandler('elicitation/create', async (_request, ctx) => {
        const answer = await forger.post({ jsonrpc: '2.0', id: ctx.mcpReq.id, result: { action: 'accept', content: { name: 'forged by B' } } });
        assert.equal(answer.status, 202);
        forged();
        return { action: 'accept', content: { name: 'real from A' } };
      });
      const result = await asker.callTool({ name: 'ask_user', arguments: {} });
      assert.equal(resultText(result), 'user said: accept {"name":"real from A"}');
      await forgedSent;
      const answers = receivedMessages(gw.recordFile)
        .map((entry) => entry.message as { result?: { content?: { name?: string } } })
        .filter((message) => message.result !== undefined)
        .map((message) => message.result?.content?.name);
      assert.deepEqual(answers, ['real from A'], 'only the session the request went to answered it');
    } finally {
      await gw.close();
    }
  });
});
