import { Injectable, Logger } from '@nestjs/common';
import { compileGuardrailSet, type CompiledGuardrailSet, type GuardrailSet } from '@warden/guardrails';
import type { Actor, EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { GUARDRAILS_STREAM_PREFIX, type GuardrailEvent } from './guardrails.events';

export interface GuardrailVersion {
  version: number;
  digest: string;
  set: GuardrailSet;
  appliedAt: string;
  appliedBy: Actor;
}

/** The set in force for an org, compiled once per version; a version this build cannot compile blocks everything it would judge. */
export type GuardrailsInForce = { kind: 'compiled'; compiled: CompiledGuardrailSet } | { kind: 'broken'; version: number };

@Injectable()
export class GuardrailsReadModel implements Projection {
  readonly name = 'guardrails';
  readonly streamPrefixes = [GUARDRAILS_STREAM_PREFIX];
  private readonly logger = new Logger('GuardrailsReadModel');
  private readonly versions = new Map<string, GuardrailVersion[]>();
  private readonly inForce = new Map<string, GuardrailsInForce>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as unknown as GuardrailEvent;
    if (event.type !== 'GuardrailSetApplied') return;
    const history = this.versions.get(envelope.org) ?? [];
    if (history.some((v) => v.version === event.data.version)) return;
    const { version, digest, set } = event.data;
    history.push({ version, digest, set, appliedAt: envelope.at, appliedBy: envelope.actor });
    this.versions.set(envelope.org, history);
    try {
      this.inForce.set(envelope.org, { kind: 'compiled', compiled: compileGuardrailSet(set, { version, digest }) });
    } catch {
      this.logger.error(`guardrail version ${version} of ${envelope.org} does not compile here; what it would judge is blocked`);
      this.inForce.set(envelope.org, { kind: 'broken', version });
    }
  }

  current(org: string): GuardrailsInForce | undefined {
    return this.inForce.get(org);
  }

  currentVersion(org: string): GuardrailVersion | undefined {
    const history = this.versions.get(org);
    return history?.[history.length - 1];
  }
}
