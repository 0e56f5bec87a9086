import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { checkEgressUrl } from './check-egress-url';
import { EgressError } from './egress-decision';
import type { EgressPolicy } from './egress-policy';
import { checkedLookup, type BaseLookup, type LookupFunction } from './checked-lookup';

export interface EgressDispatcherOptions {
  /** The resolver under the check (default: the system's dns.lookup). */
  lookup?: BaseLookup;
  /** The socket opener under the check, given the checked lookup (default: undici's, TLS verified). */
  connector?: (lookup: LookupFunction) => buildConnector.connector;
  /** Agent tuning; `connect` is the guard's and cannot be replaced. */
  agent?: Omit<Agent.Options, 'connect'>;
}

/**
 * An undici Agent that reaches only what the policy allows: every connection's origin passes
 * checkEgressUrl (scheme, literal addresses: node does not call lookup for those) and every
 * resolved address passes checkedLookup. It does not follow redirects (undici's Agent never does;
 * use requestFollowingRedirects to re-check each hop). TLS certificates are always verified.
 */
export function createEgressDispatcher(policy: EgressPolicy, options: EgressDispatcherOptions = {}): Agent {
  const lookup = checkedLookup(policy, options.lookup);
  const open = options.connector ? options.connector(lookup) : buildConnector({ lookup, rejectUnauthorized: true });
  const connect: buildConnector.connector = (target, callback) => {
    if (target.socketPath) {
      callback(new EgressError({ allowed: false, reason: 'EGRESS.INVALID_URL', detail: 'connections through a socket path are not egress' }), null);
      return;
    }
    const bare = target.hostname.replace(/^\[|\]$/g, '');
    const host = isIP(bare) === 6 ? `[${bare}]` : bare;
    const decision = checkEgressUrl(`${target.protocol}//${host}${target.port ? `:${target.port}` : ''}/`, policy);
    if (!decision.allowed) {
      callback(new EgressError(decision), null);
      return;
    }
    open(target, callback);
  };
  return new Agent({ ...options.agent, connect });
}
