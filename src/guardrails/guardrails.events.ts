import type { GuardrailSet } from '@warden/guardrails';

export const GUARDRAILS_STREAM_PREFIX = 'guardrails-';
/** One stream per organisation: every version of its guardrail set, in order. */
export const guardrailsStream = (org: string) => `${GUARDRAILS_STREAM_PREFIX}${org}`;

/** The whole set, applied as one signed event, like a policy set. */
export interface GuardrailSetAppliedData {
  version: number;
  /** sha256 of the set's canonical JSON (RFC 8785). */
  digest: string;
  set: GuardrailSet;
  baseVersion: number;
}

export type GuardrailEvent = { type: 'GuardrailSetApplied'; data: GuardrailSetAppliedData };
