import { Injectable } from '@nestjs/common';
import type { Actor, EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { compileLimitSet, type CompiledLimitSet } from './compiled-limit-set';
import type { LimitSet } from './limit-set';
import { LIMITS_STREAM_PREFIX, type LimitEvent } from './limits.events';

export interface LimitSetVersion {
  version: number;
  digest: string;
  set: LimitSet;
  appliedAt: string;
  appliedBy: Actor;
}

/** Every organisation's limit set in force, compiled once when its version is applied. */
@Injectable()
export class LimitSetsReadModel implements Projection {
  readonly name = 'limit-sets';
  readonly streamPrefixes = [LIMITS_STREAM_PREFIX];
  private readonly versions = new Map<string, LimitSetVersion>();
  private readonly compiled = new Map<string, CompiledLimitSet>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as unknown as LimitEvent;
    if (event.type !== 'LimitSetApplied') return;
    const current = this.versions.get(envelope.org);
    if (current && current.version >= event.data.version) return;
    const { version, digest, set } = event.data;
    this.versions.set(envelope.org, { version, digest, set, appliedAt: envelope.at, appliedBy: envelope.actor });
    this.compiled.set(envelope.org, compileLimitSet(set, version));
  }

  current(org: string): LimitSetVersion | undefined {
    return this.versions.get(org);
  }

  compiledFor(org: string): CompiledLimitSet | undefined {
    return this.compiled.get(org);
  }
}
