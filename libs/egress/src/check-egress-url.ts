import { isIP } from 'node:net';
import { checkAddress } from './check-address';
import { refused, type EgressDecision } from './egress-decision';
import { compileEgressPolicy, hostOf, type EgressPolicy } from './egress-policy';
import { isMetadataName, isPlausibleDnsName, localNameSuffix } from './host-names';

/**
 * May warden send a request to this URL? Pure: no DNS, no connection. A host name that passes is
 * checked again on every connection by checkedLookup (the addresses it resolves to then).
 * Order: parse, scheme, credentials, host name, address, then http versus https — so the most
 * specific reason is the one given.
 */
export function checkEgressUrl(raw: string, policy: EgressPolicy): EgressDecision {
  const rules = compileEgressPolicy(policy);
  if (typeof raw !== 'string' || raw.trim() === '') return refused('EGRESS.INVALID_URL', 'no URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refused('EGRESS.INVALID_URL', 'not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refused('EGRESS.SCHEME', `scheme ${url.protocol} is not http(s)`);
  if (url.username !== '' || url.password !== '') return refused('EGRESS.CREDENTIALS', 'the URL embeds credentials (user info before "@")');
  const host = hostOf(url);
  const literal = isIP(host) !== 0;
  if (!literal) {
    if (!isPlausibleDnsName(host)) return refused('EGRESS.INVALID_URL', `host "${host}" is not a DNS name`);
    if (isMetadataName(host)) return refused('EGRESS.METADATA', `${host} is a cloud metadata service name`);
    if (!rules.privateHosts.has(host)) {
      const local = localNameSuffix(host);
      if (local) return refused('EGRESS.BLOCKED_HOST', `${host} is a local-only name (.${local})`);
      if (!host.includes('.')) return refused('EGRESS.BLOCKED_HOST', `${host} is a single-label name (resolved through the local search domains)`);
    }
  } else {
    const blocked = checkAddress(host, host, rules);
    if (blocked) return blocked;
  }
  if (url.protocol === 'http:' && !rules.httpHosts.has(host)) return refused('EGRESS.HTTP_NOT_ALLOWED', `plain http to ${host} is not allowed; use https`);
  return literal ? { allowed: true, url, host, address: host } : { allowed: true, url, host };
}
