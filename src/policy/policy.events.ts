import type { PolicySet } from '@warden/policy';

export const POLICY_STREAM_PREFIX = 'policy-';
/** One stream per organisation: every version of its policy set, in order. */
export const policyStream = (org: string) => `${POLICY_STREAM_PREFIX}${org}`;

/** The whole set, applied as one signed event. version = its position in the stream + 1. */
export interface PolicySetAppliedData {
  version: number;
  /** sha256 of the set's canonical JSON (RFC 8785). */
  digest: string;
  set: PolicySet;
  /** The version the operator's change was based on. */
  baseVersion: number;
  /** Set when this version restores an earlier one. */
  rollbackOf?: number;
}

export type PolicyEvent = { type: 'PolicySetApplied'; data: PolicySetAppliedData };
