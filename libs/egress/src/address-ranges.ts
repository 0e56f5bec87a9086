import { BlockList, isIP } from 'node:net';
import { embeddedIpv4 } from './ipv6-embedded';

/** What an address is, for the egress guard: reachable, a cloud metadata service, or in a blocked range. */
export type AddressClass =
  | { kind: 'public'; address: string }
  | { kind: 'metadata'; address: string; range: string }
  | { kind: 'blocked'; address: string; range: string };

type Rule = [label: string, network: string, prefix: number];

/** Instance metadata and host-agent endpoints of the clouds: refused whatever the policy allows. */
const METADATA: Rule[] = [
  ['cloud metadata (AWS, GCP, Azure, OCI, …)', '169.254.169.254', 32],
  ['cloud metadata (AWS ECS task credentials)', '169.254.170.2', 32],
  ['cloud metadata (AWS IPv6)', 'fd00:ec2::254', 128],
  ['cloud metadata (Alibaba Cloud)', '100.100.100.200', 32],
  ['cloud host agent (Azure WireServer)', '168.63.129.16', 32],
];

/** Special-purpose IPv4 ranges (IANA registry, RFC 6890 and successors) not reachable as upstreams. */
const BLOCKED_V4: Rule[] = [
  ['unspecified / "this network" (0.0.0.0/8)', '0.0.0.0', 8],
  ['private (RFC 1918, 10.0.0.0/8)', '10.0.0.0', 8],
  ['shared address space / CGNAT (100.64.0.0/10)', '100.64.0.0', 10],
  ['loopback (127.0.0.0/8)', '127.0.0.0', 8],
  ['link-local (169.254.0.0/16)', '169.254.0.0', 16],
  ['private (RFC 1918, 172.16.0.0/12)', '172.16.0.0', 12],
  ['IETF protocol assignments (192.0.0.0/24)', '192.0.0.0', 24],
  ['documentation (TEST-NET-1, 192.0.2.0/24)', '192.0.2.0', 24],
  ['6to4 relay anycast (192.88.99.0/24)', '192.88.99.0', 24],
  ['private (RFC 1918, 192.168.0.0/16)', '192.168.0.0', 16],
  ['benchmarking (198.18.0.0/15)', '198.18.0.0', 15],
  ['documentation (TEST-NET-2, 198.51.100.0/24)', '198.51.100.0', 24],
  ['documentation (TEST-NET-3, 203.0.113.0/24)', '203.0.113.0', 24],
  ['multicast (224.0.0.0/4)', '224.0.0.0', 4],
  ['limited broadcast (255.255.255.255)', '255.255.255.255', 32],
  ['reserved (240.0.0.0/4)', '240.0.0.0', 4],
];

/** Special-purpose IPv6 ranges; anything else outside global unicast 2000::/3 is refused too. */
const BLOCKED_V6: Rule[] = [
  ['unspecified (::)', '::', 128],
  ['loopback (::1)', '::1', 128],
  ['IPv4-compatible, deprecated (::/96)', '::', 96],
  ['local-use NAT64 (64:ff9b:1::/48)', '64:ff9b:1::', 48],
  ['discard-only (100::/64)', '100::', 64],
  ['Teredo (2001::/32)', '2001::', 32],
  ['benchmarking (2001:2::/48)', '2001:2::', 48],
  ['IETF protocol assignments (2001::/23)', '2001::', 23],
  ['documentation (2001:db8::/32)', '2001:db8::', 32],
  ['documentation (3fff::/20)', '3fff::', 20],
  ['SRv6 SIDs (5f00::/16)', '5f00::', 16],
  ['unique local (fc00::/7)', 'fc00::', 7],
  ['link-local (fe80::/10)', 'fe80::', 10],
  ['site-local, deprecated (fec0::/10)', 'fec0::', 10],
  ['multicast (ff00::/8)', 'ff00::', 8],
];

interface CompiledRule {
  label: string;
  list: BlockList;
  family: 'ipv4' | 'ipv6';
}

function compile(rules: Rule[]): CompiledRule[] {
  return rules.map(([label, network, prefix]) => {
    const family = isIP(network) === 4 ? 'ipv4' : 'ipv6';
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { label, list, family };
  });
}

const METADATA_RULES = compile(METADATA);
const BLOCKED_RULES = compile([...BLOCKED_V4, ...BLOCKED_V6]);
const GLOBAL_UNICAST_V6 = compile([['global unicast (2000::/3)', '2000::', 3]])[0];

function firstMatch(rules: CompiledRule[], address: string, family: 'ipv4' | 'ipv6'): string | undefined {
  return rules.find((rule) => rule.family === family && rule.list.check(address, family))?.label;
}

/**
 * Classifies an IPv4 or IPv6 address literal (dotted quad or any IPv6 text form, zone id allowed).
 * An IPv6 address carrying an IPv4 one (mapped, NAT64, 6to4) is classified by the IPv4 address.
 * Throws on text that is not an address literal.
 */
export function classifyAddress(address: string): AddressClass {
  const version = isIP(address);
  if (version === 0) throw new TypeError(`not an IP address: ${address}`);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const plain = family === 'ipv6' ? address.replace(/%.*$/, '') : address;
  const metadata = firstMatch(METADATA_RULES, plain, family);
  if (metadata) return { kind: 'metadata', address, range: metadata };
  if (family === 'ipv6') {
    const embedded = embeddedIpv4(plain);
    if (embedded) {
      const inner = classifyAddress(embedded.ipv4);
      if (inner.kind === 'public' && embedded.form === 'IPv4-compatible') return { kind: 'blocked', address, range: `IPv4-compatible ${embedded.ipv4}, deprecated (::/96)` };
      if (inner.kind === 'public') return { kind: 'public', address };
      return { ...inner, address, range: `${embedded.form} ${embedded.ipv4}: ${inner.range}` };
    }
  }
  const blocked = firstMatch(BLOCKED_RULES, plain, family);
  if (blocked) return { kind: 'blocked', address, range: blocked };
  if (family === 'ipv6' && !GLOBAL_UNICAST_V6.list.check(plain, 'ipv6')) return { kind: 'blocked', address, range: 'not global unicast (outside 2000::/3)' };
  return { kind: 'public', address };
}
