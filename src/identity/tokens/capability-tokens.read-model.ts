import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../../ledger/projection';
import { ReadModelProjector } from '../../ledger/read-model-projector';
import { TOKEN_STREAM_PREFIX, type CapabilityTokenEvent, type CapabilityTokenIssued } from './capability-token.events';

export interface IssuedCapabilityToken {
  grant: CapabilityTokenIssued['data'];
  issuedAt: string;
  revokedAt?: string;
}

/**
 * Every capability token the ledger has seen issued, and which are revoked. Fed from the durable
 * log like every read model, so a revocation committed by any node takes effect here as soon as
 * the projector applies it. Checking a token is one Map lookup.
 */
@Injectable()
export class CapabilityTokensReadModel implements Projection {
  readonly name = 'capability-tokens';
  readonly streamPrefixes = [TOKEN_STREAM_PREFIX];
  private readonly byJti = new Map<string, IssuedCapabilityToken>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as CapabilityTokenEvent;
    switch (event.type) {
      case 'CapabilityTokenIssued':
        if (!this.byJti.has(event.data.jti)) this.byJti.set(event.data.jti, { grant: event.data, issuedAt: envelope.at });
        break;
      case 'CapabilityTokenRevoked': {
        const token = this.byJti.get(event.data.jti);
        if (token && token.revokedAt === undefined) token.revokedAt = envelope.at;
        break;
      }
    }
  }

  /** The token as issued (undefined for a jti the ledger never recorded). */
  get(jti: string): IssuedCapabilityToken | undefined {
    return this.byJti.get(jti);
  }
}
