/**
 * An erasure is evidence like any other: a signed event naming the payloads erased, by whom and
 * why, on the organisation's erasure stream. `warden verify --payloads` accepts an erased or
 * missing payload only when such an event of the same organisation names it.
 */
export const PAYLOADS_ERASED_TYPE = 'PayloadsErased';

export interface PayloadsErasedData {
  eventIds: string[];
  reason: string;
  /** Set when the ids were resolved from a full-text query (the query itself is not recorded: it may name the data subject). */
  selectedBy?: 'full-text';
}

export function erasureStream(orgId: string): string {
  return `erasure-${orgId}`;
}
