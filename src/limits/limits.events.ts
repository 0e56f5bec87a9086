import type { LimitSet } from './limit-set';

export const LIMITS_STREAM_PREFIX = 'limits-';
/** One stream per organisation: every version of its limit set (rate limits, costs, spend caps), in order. */
export const limitsStream = (org: string) => `${LIMITS_STREAM_PREFIX}${org}`;

/** The whole set, applied as one signed event. version = its position in the stream + 1. */
export interface LimitSetAppliedData {
  version: number;
  /** sha256 of the set's canonical JSON (RFC 8785). */
  digest: string;
  set: LimitSet;
  baseVersion: number;
}

export type LimitEvent = { type: 'LimitSetApplied'; data: LimitSetAppliedData };
