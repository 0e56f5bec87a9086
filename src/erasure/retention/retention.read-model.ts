import { Injectable } from '@nestjs/common';
import type { Actor, EventEnvelope } from '@warden/ledger';
import type { Projection } from '../../ledger/projection';
import { ReadModelProjector } from '../../ledger/read-model-projector';
import { PAYLOAD_RETENTION_SET, RETENTION_STREAM_PREFIX, type RetentionEvent } from './retention.events';

export interface OrganisationRetention {
  days: number;
  setAt: string;
  setBy: Actor;
}

/** Each organisation's own retention rule, as its signed events set it. */
@Injectable()
export class RetentionReadModel implements Projection {
  readonly name = 'payload-retention';
  readonly streamPrefixes = [RETENTION_STREAM_PREFIX];
  private readonly rules = new Map<string, OrganisationRetention>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as unknown as RetentionEvent;
    if (event.type !== PAYLOAD_RETENTION_SET) return;
    if (event.data.days === null) this.rules.delete(envelope.org);
    else this.rules.set(envelope.org, { days: event.data.days, setAt: envelope.at, setBy: envelope.actor });
  }

  of(org: string): OrganisationRetention | undefined {
    return this.rules.get(org);
  }
}
