export { classifyAddress, type AddressClass } from './address-ranges';
export { checkEgressUrl } from './check-egress-url';
export { checkAddress } from './check-address';
export { checkedLookup, type BaseLookup, type LookupFunction } from './checked-lookup';
export { EgressError, type EgressAllowed, type EgressDecision, type EgressReason, type EgressRefused } from './egress-decision';
export { createEgressDispatcher, type EgressDispatcherOptions } from './egress-dispatcher';
export { compileEgressPolicy, type CompiledEgressPolicy, type EgressPolicy } from './egress-policy';
export { requestFollowingRedirects, type RedirectingRequest } from './follow-redirects';
