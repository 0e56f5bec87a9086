import type { Actor } from '@warden/ledger';

/** Apply a limit set (raw, validated by the handler) on top of `baseVersion`. */
export class ApplyLimitSetCommand {
  constructor(
    readonly orgId: string,
    readonly set: unknown,
    readonly baseVersion: number,
    readonly actor: Actor,
  ) {}
}

export interface AppliedLimitSet {
  version: number;
  digest: string;
  /** false when the set was already in force (nothing was written). */
  applied: boolean;
}
