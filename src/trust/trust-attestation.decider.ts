import type { Decider } from '../ledger/decider';
import type { TrustEvent } from './trust.events';

export type AttestTrust = { type: 'AttestTrust'; agentId: string; score: number; reason: string };

/** Every attestation is recorded (an admin may change their mind); the latest one is the base. */
export const trustAttestationDecider: Decider<AttestTrust, TrustEvent, { attestations: number }> = {
  initialState: () => ({ attestations: 0 }),
  evolve: (state) => ({ attestations: state.attestations + 1 }),
  decide: (command) => [{ type: 'AgentTrustAttested', data: { agentId: command.agentId, score: command.score, reason: command.reason } }],
};
