import type { Actor } from '@warden/ledger';

/** Apply a guardrail set (raw, validated by the handler) on top of `baseVersion`. */
export class ApplyGuardrailSetCommand {
  constructor(
    readonly orgId: string,
    readonly set: unknown,
    readonly baseVersion: number,
    readonly actor: Actor,
  ) {}
}

export interface AppliedGuardrailSet {
  version: number;
  digest: string;
  /** false when the set was already in force (nothing was written). */
  applied: boolean;
  warnings: unknown[];
}
