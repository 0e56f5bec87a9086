import { isIP } from 'node:net';
import { classifyAddress } from './address-ranges';
import { refused, type EgressRefused } from './egress-decision';
import type { CompiledEgressPolicy } from './egress-policy';

/**
 * The address rule, for a literal in a URL and for every address a name resolves to:
 * metadata is always refused; a blocked range only when neither the address nor the host is allowed.
 */
export function checkAddress(host: string, address: string, policy: CompiledEgressPolicy): EgressRefused | undefined {
  const family = isIP(address);
  if (family === 0) return refused('EGRESS.BLOCKED_ADDRESS', `${host} resolved to "${address}", which is not an IP address`);
  const verdict = classifyAddress(address);
  const named = host === address ? address : `${host} (${address})`;
  if (verdict.kind === 'metadata') return refused('EGRESS.METADATA', `${named} is ${verdict.range}`);
  if (verdict.kind === 'public') return undefined;
  const plain = address.replace(/%.*$/, '');
  if (policy.addresses.check(plain, family === 6 ? 'ipv6' : 'ipv4') || policy.privateHosts.has(host)) return undefined;
  return refused('EGRESS.BLOCKED_ADDRESS', `${named} is ${verdict.range}`);
}
