import { checkEgressUrl, checkedLookup, createEgressDispatcher, EgressError, type BaseLookup, type EgressDispatcherOptions, type EgressPolicy } from '@warden/egress';
import type { Dispatcher } from 'undici';
import { WardenError } from '../common/warden-error';
import { guardedFetch } from './upstream-fetch';
export { egressPolicyFrom } from './egress-settings';

/** Every upstream connection's way out: the policy, the checking dispatcher, and a fetch on it (the SDK's handshake). */
export interface UpstreamEgress {
  readonly policy: EgressPolicy;
  readonly dispatcher: Dispatcher;
  readonly fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
  /** Refuses (EgressError) a URL the policy does not allow, or a name that resolves to a blocked address; connects nowhere. */
  vet(url: URL): Promise<void>;
  close(): Promise<void>;
}

export function createUpstreamEgress(policy: EgressPolicy, options: Pick<EgressDispatcherOptions, 'lookup' | 'connector'> = {}): UpstreamEgress {
  const dispatcher = createEgressDispatcher(policy, { ...options, agent: { keepAliveTimeout: 30_000, connections: 64 } });
  const lookup = checkedLookup(policy, options.lookup);
  return {
    policy,
    dispatcher,
    fetch: guardedFetch(dispatcher),
    async vet(url) {
      const decision = checkEgressUrl(url.href, policy);
      if (!decision.allowed) throw new EgressError(decision);
      if (decision.address !== undefined) return;
      await new Promise<void>((resolve, reject) => lookup(decision.host, { all: true }, (error) => (error ? reject(error) : resolve())));
    },
    close: () => dispatcher.destroy(),
  };
}

/** An egress refusal as the API says it: 400 with the EGRESS.* reason (registration). */
export function egressRefusal(error: EgressError): WardenError {
  return new WardenError('bad_request', error.code, `warden may not connect to this upstream: ${error.decision.detail}`, { field: 'url', reason: error.code });
}
