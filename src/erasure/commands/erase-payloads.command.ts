import type { Actor } from '@warden/ledger';

export class ErasePayloadsCommand {
  constructor(
    readonly orgId: string,
    readonly eventIds: string[],
    readonly reason: string,
    readonly actor: Actor,
    /** Instead of eventIds: a full-text query over the forensic index, resolved to payload event ids. */
    readonly query?: string,
  ) {}
}

export interface ErasedPayloads {
  /** The PayloadsErased event that records the erasure. */
  erasureEventId: string;
  eventIds: string[];
}
