/**
 * An organisation's payload retention: payloads older than `days` are erased on a schedule
 * (each sweep one signed PayloadsErased, reason "retention", through the erasure handler).
 * `days: null` clears the organisation's own rule (WARDEN_PAYLOAD_RETENTION_DAYS applies again).
 */
export const RETENTION_STREAM_PREFIX = 'retention-';
export const PAYLOAD_RETENTION_SET = 'PayloadRetentionSet';
export const retentionStream = (org: string) => `${RETENTION_STREAM_PREFIX}${org}`;

export interface PayloadRetentionSetData {
  days: number | null;
}

export type RetentionEvent = { type: typeof PAYLOAD_RETENTION_SET; data: PayloadRetentionSetData };
