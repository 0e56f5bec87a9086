import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { NewLedgerEvent } from '../../src/ledger/ledger-writer';

/**
 * Events shaped like the gateway's own ToolCallDecided (src/gateway/tool-call): ids, decision,
 * every gate's reason, protocol version, endpoint, request id, and the payload digest.
 */
export interface DecidedEventSource {
  org: string;
  next(callId: string): NewLedgerEvent & { id: string };
}

export function decidedEvents(org = uuidv7()): DecidedEventSource {
  // Distinct digests without a randomBytes call per event (that would cost ~10 µs of the ~50 µs measured).
  const digests = Array.from({ length: 1024 }, () => randomBytes(32).toString('hex'));
  const agentId = uuidv7();
  const serverId = uuidv7();
  let request = 0;
  return {
    org,
    next(callId) {
      request += 1;
      return {
        id: callId,
        type: 'ToolCallDecided',
        org,
        actor: { kind: 'agent', id: agentId },
        data: {
          callId,
          agentId,
          serverId,
          tool: 'read_note',
          decision: 'allow',
          reasons: [
            { gate: 'server-scope', code: 'GATE.OK', decision: 'allow' },
            { gate: 'tool-state', code: 'GATE.OK', decision: 'allow' },
          ],
          protocolVersion: '2025-11-25',
          endpoint: 'notes',
          requestId: String(request),
        },
        payload: { digest: digests[request % digests.length] },
      };
    },
  };
}
