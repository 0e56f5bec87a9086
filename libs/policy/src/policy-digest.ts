import { canonicalJson, sha256Hex } from '@warden/ledger';
import type { PolicySet } from './policy-set';

/** sha256 of the set's canonical JSON (RFC 8785): the same set always has the same digest. */
export function policySetDigest(set: PolicySet): string {
  return sha256Hex(canonicalJson(set));
}
