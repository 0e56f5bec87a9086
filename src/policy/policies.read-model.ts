import { Injectable, Logger } from '@nestjs/common';
import { compilePolicySet, type CompiledPolicySet, type PolicySet } from '@warden/policy';
import type { Actor, EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { POLICY_STREAM_PREFIX, type PolicyEvent } from './policy.events';

export interface PolicyVersion {
  version: number;
  digest: string;
  set: PolicySet;
  appliedAt: string;
  appliedBy: Actor;
  baseVersion: number;
  rollbackOf?: number;
}

/** The policy in force for an org: compiled once when its version is applied, never per call. */
export type PolicyInForce = { kind: 'compiled'; compiled: CompiledPolicySet } | { kind: 'broken'; version: number };

@Injectable()
export class PoliciesReadModel implements Projection {
  readonly name = 'policies';
  readonly streamPrefixes = [POLICY_STREAM_PREFIX];
  private readonly logger = new Logger('PoliciesReadModel');
  private readonly versions = new Map<string, PolicyVersion[]>();
  private readonly inForce = new Map<string, PolicyInForce>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as unknown as PolicyEvent;
    if (event.type !== 'PolicySetApplied') return;
    const history = this.versions.get(envelope.org) ?? [];
    if (history.some((v) => v.version === event.data.version)) return;
    const { version, digest, set, baseVersion, rollbackOf } = event.data;
    history.push({ version, digest, set, appliedAt: envelope.at, appliedBy: envelope.actor, baseVersion, ...(rollbackOf !== undefined ? { rollbackOf } : {}) });
    this.versions.set(envelope.org, history);
    const compiled = compilePolicySet(set, { version, digest });
    if (compiled.ok) {
      this.inForce.set(envelope.org, { kind: 'compiled', compiled: compiled.compiled });
    } else {
      // Validated before it was applied; if this build cannot compile it, every call is denied (fail closed).
      this.logger.error(`policy version ${version} of ${envelope.org} does not compile here; its calls are denied`);
      this.inForce.set(envelope.org, { kind: 'broken', version });
    }
  }

  current(org: string): PolicyInForce | undefined {
    return this.inForce.get(org);
  }

  currentVersion(org: string): PolicyVersion | undefined {
    const history = this.versions.get(org);
    return history?.[history.length - 1];
  }

  history(org: string): PolicyVersion[] {
    return [...(this.versions.get(org) ?? [])];
  }

  version(org: string, version: number): PolicyVersion | undefined {
    return this.versions.get(org)?.find((v) => v.version === version);
  }
}
