import { BlockList, isIP } from 'node:net';

/**
 * What the egress guard lets through beyond public https targets. Everything not listed is refused:
 * plain http, and any address in a loopback, private, link-local or other special-purpose range.
 * Cloud metadata addresses and names are refused whatever the policy says.
 */
export interface EgressPolicy {
  /** Hosts that may be reached over plain http ('127.0.0.1', '[::1]', 'notes.example'); all others need https. */
  allowHttpHosts?: readonly string[];
  /** Addresses or CIDR ranges that may be reached although in a blocked range ('127.0.0.1', '10.1.0.0/16'). */
  allowAddresses?: readonly string[];
  /** Host names that may be local-only names or resolve to blocked (non-metadata) addresses. */
  allowPrivateHosts?: readonly string[];
}

/** A policy checked once and ready for many decisions. */
export interface CompiledEgressPolicy {
  httpHosts: ReadonlySet<string>;
  privateHosts: ReadonlySet<string>;
  addresses: BlockList;
}

const compiled = new WeakMap<EgressPolicy, CompiledEgressPolicy>();

/** Throws a TypeError naming the entry when the policy has one it cannot read (a config error: fail closed). */
export function compileEgressPolicy(policy: EgressPolicy): CompiledEgressPolicy {
  const cached = compiled.get(policy);
  if (cached) return cached;
  const addresses = new BlockList();
  for (const entry of policy.allowAddresses ?? []) {
    const [network, prefixText, extra] = entry.trim().split('/');
    const version = isIP(network);
    const prefix = prefixText === undefined ? (version === 6 ? 128 : 32) : Number(prefixText);
    if (version === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (version === 6 ? 128 : 32)) {
      throw new TypeError(`egress policy: allowAddresses entry "${entry}" is not an address or CIDR range`);
    }
    addresses.addSubnet(network, prefix, version === 6 ? 'ipv6' : 'ipv4');
  }
  const result: CompiledEgressPolicy = {
    httpHosts: new Set((policy.allowHttpHosts ?? []).map((host) => normaliseHost(host, 'allowHttpHosts'))),
    privateHosts: new Set((policy.allowPrivateHosts ?? []).map((host) => normaliseHost(host, 'allowPrivateHosts'))),
    addresses,
  };
  compiled.set(policy, result);
  return result;
}

/** A host as the URL parser spells it: lower case, IPv4 dotted quad, IPv6 compressed without brackets, no trailing dot. */
export function normaliseHost(host: string, field: string): string {
  const text = host.trim();
  const bracketed = isIP(text) === 6 ? `[${text}]` : text;
  let parsed: URL;
  try {
    parsed = new URL(`http://${bracketed}/`);
  } catch {
    throw new TypeError(`egress policy: ${field} entry "${host}" is not a host`);
  }
  if (parsed.host !== parsed.hostname || parsed.username || parsed.pathname !== '/') throw new TypeError(`egress policy: ${field} entry "${host}" is not a bare host`);
  return hostOf(parsed);
}

/** The host of a parsed URL without IPv6 brackets and trailing dots. */
export function hostOf(url: URL): string {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return host.replace(/\.+$/, '');
}
