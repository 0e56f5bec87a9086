import type { Actor } from '@warden/ledger';

export class ErasePayloadsCommand {
  constructor(
    readonly orgId: string,
    readonly eventIds: string[],
    readonly reason: string,
    readonly actor: Actor,
  ) {}
}

export interface ErasedPayloads {
  /** The PayloadsErased event that records the erasure. */
  erasureEventId: string;
  eventIds: string[];
}
