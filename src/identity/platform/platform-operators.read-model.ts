import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../../ledger/projection';
import { ReadModelProjector } from '../../ledger/read-model-projector';
import { PLATFORM_OPERATORS_STREAM, type PlatformEvent } from './platform.events';

/** Platform operators by key hash. */
@Injectable()
export class PlatformOperatorsReadModel implements Projection {
  readonly name = 'platform-operators';
  readonly streamPrefixes = [PLATFORM_OPERATORS_STREAM];
  private readonly byKeyHash = new Map<string, string>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    if (envelope.stream !== PLATFORM_OPERATORS_STREAM) return;
    const event = { type: envelope.type, data: envelope.data } as PlatformEvent;
    if (event.type === 'PlatformOperatorCreated') this.byKeyHash.set(event.data.keyHash, event.data.operatorId);
  }

  operatorByKeyHash(hash: string): string | undefined {
    return this.byKeyHash.get(hash);
  }

  count(): number {
    return this.byKeyHash.size;
  }
}
