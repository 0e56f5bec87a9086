import { isIP } from 'node:net';
import type { EgressPolicy } from '@warden/egress';

/**
 * `WARDEN_EGRESS_ALLOW_PRIVATE` lists hosts and addresses / CIDR ranges together: an entry that is
 * an address or a range allows that address (whatever name resolves to it), a name allows what
 * that name resolves to.
 */
export function egressPolicyFrom(allowHttpHosts: readonly string[], allowPrivate: readonly string[]): EgressPolicy {
  const isAddressOrRange = (entry: string) => isIP(entry.split('/')[0].trim()) !== 0;
  return {
    allowHttpHosts: [...allowHttpHosts],
    allowAddresses: allowPrivate.filter(isAddressOrRange),
    allowPrivateHosts: allowPrivate.filter((entry) => !isAddressOrRange(entry)),
  };
}
