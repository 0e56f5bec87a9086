import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { checkAddress } from './check-address';
import { EgressError } from './egress-decision';
import { compileEgressPolicy, type EgressPolicy } from './egress-policy';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** node's dns.lookup signature, as node:net, node:tls and undici's connector call it. */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/** The resolver under the check: dns.lookup's (hostname, { all: true }) form is all it needs. */
export type BaseLookup = (hostname: string, options: LookupOptions & { all: true }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemLookup: BaseLookup = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * A dns.lookup that resolves the name, checks every address it resolved to with the egress rules,
 * and fails the lookup (an EgressError, code EGRESS.BLOCKED_ADDRESS or EGRESS.METADATA) when any
 * one is blocked: fails closed rather than picking the allowed ones, so a name that answers with a
 * mix, or changes its answer between the URL check and the connection (DNS rebinding), is refused
 * at the moment of connecting. The socket connects to exactly the address checked here.
 */
export function checkedLookup(policy: EgressPolicy, baseLookup: BaseLookup = systemLookup): LookupFunction {
  const rules = compileEgressPolicy(policy);
  return (hostname, options, callback) => {
    const wantsAll = typeof options === 'object' && options !== null && options.all === true;
    const base: LookupOptions & { all: true } = { ...(typeof options === 'object' && options !== null ? options : {}), all: true };
    const host = hostname.toLowerCase().replace(/\.+$/, '');
    baseLookup(hostname, base, (error, addresses) => {
      if (error) return callback(error, []);
      if (!Array.isArray(addresses) || addresses.length === 0) {
        return callback(new EgressError({ allowed: false, reason: 'EGRESS.BLOCKED_ADDRESS', detail: `${host} resolved to no address` }), []);
      }
      for (const { address } of addresses) {
        const blocked = checkAddress(host, address, rules);
        if (blocked) return callback(new EgressError(blocked), []);
      }
      if (wantsAll) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
