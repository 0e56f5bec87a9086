import { canonicalJson, sha256Hex } from '@warden/ledger';
import type { GuardrailSet } from './rule-set';

/** sha256 of the set's canonical JSON (RFC 8785). */
export function guardrailSetDigest(set: GuardrailSet): string {
  return sha256Hex(canonicalJson(set));
}
