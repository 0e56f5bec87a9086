import type { DomainEvent } from '../../ledger/decider';

/**
 * A capability token's life, on its own stream `token-<jti>`. The token itself (the signed JWT)
 * is never recorded: only what it grants, until when, and which key signed it.
 */
export type CapabilityTokenIssued = DomainEvent<
  'CapabilityTokenIssued',
  {
    jti: string;
    orgId: string;
    agentId: string;
    serverId: string;
    tools: string[];
    /** Seconds since the epoch, as in the token's `exp`. */
    exp: number;
    /** The registered ledger key that signed it. */
    kid: string;
  }
>;

export type CapabilityTokenRevoked = DomainEvent<'CapabilityTokenRevoked', { jti: string; orgId: string; agentId: string }>;

export type CapabilityTokenEvent = CapabilityTokenIssued | CapabilityTokenRevoked;

export const TOKEN_STREAM_PREFIX = 'token-';
export const tokenStream = (jti: string) => `${TOKEN_STREAM_PREFIX}${jti}`;
