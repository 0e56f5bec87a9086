import type { Actor } from '@warden/ledger';

/** Apply a policy set (raw, validated by the handler) on top of `baseVersion`; or restore an earlier version. */
export class ApplyPolicySetCommand {
  constructor(
    readonly orgId: string,
    readonly input: { kind: 'set'; set: unknown } | { kind: 'rollback'; version: number },
    readonly baseVersion: number | undefined,
    readonly actor: Actor,
  ) {}
}

export interface AppliedPolicySet {
  version: number;
  digest: string;
  /** false when the set was already in force (nothing was written). */
  applied: boolean;
  rollbackOf?: number;
  warnings: unknown[];
  diff: unknown;
}
