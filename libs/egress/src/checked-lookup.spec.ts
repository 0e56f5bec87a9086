import type { LookupAddress } from 'node:dns';
import { checkedLookup, type LookupFunction } from './checked-lookup';
import { EgressError } from './egress-decision';
import { fencedNetwork } from './testing/fenced-network';

/** Calls a lookup; no connection is opened anywhere in this file. */
function resolve(lookup: LookupFunction, host: string, all = true): Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise((done) => lookup(host, { all }, (error, address, family) => done({ error, address, family })));
}

describe('checkedLookup', () => {
  it('catches a rebinding name: the first answer (public) passes, the second (loopback) is refused', async () => {
    const net = fencedNetwork({ 'rebind.test': [['93.184.216.34'], ['127.0.0.1']] });
    const lookup = checkedLookup({}, net.lookup);
    const first = await resolve(lookup, 'rebind.test');
    expect(first.error).toBeNull();
    expect(first.address).toEqual([{ address: '93.184.216.34', family: 4 }]);
    const second = await resolve(lookup, 'rebind.test');
    expect(second.error).toBeInstanceOf(EgressError);
    expect(second.error?.code).toBe('EGRESS.BLOCKED_ADDRESS');
    expect(second.error?.message).toMatch(/rebind\.test \(127\.0\.0\.1\) is loopback/);
    expect(net.lookups).toEqual(['rebind.test', 'rebind.test']);
  });

  it('fails closed when any one of the answers is blocked, whatever its place', async () => {
    const net = fencedNetwork({ 'mixed.test': [['93.184.216.34', '10.0.0.5']], 'v6.test': [['2606:4700::1', '::ffff:169.254.169.254']] });
    const lookup = checkedLookup({}, net.lookup);
    expect((await resolve(lookup, 'mixed.test')).error?.code).toBe('EGRESS.BLOCKED_ADDRESS');
    expect((await resolve(lookup, 'v6.test')).error?.code).toBe('EGRESS.METADATA');
  });

  it('answers in the single-address form when asked without all', async () => {
    const net = fencedNetwork({ 'public.test': [['93.184.216.34', '2606:4700::1']] });
    const single = await resolve(checkedLookup({}, net.lookup), 'public.test', false);
    expect(single).toEqual({ error: null, address: '93.184.216.34', family: 4 });
  });

  it('lets a blocked address through only where the policy allows it (by address or by host), never metadata', async () => {
    const net = fencedNetwork({ 'notes.test': [['127.0.0.1']], 'other.test': [['127.0.0.1']], 'meta.test': [['169.254.169.254']] });
    expect((await resolve(checkedLookup({ allowAddresses: ['127.0.0.0/8'] }, net.lookup), 'other.test')).error).toBeNull();
    const byHost = checkedLookup({ allowPrivateHosts: ['notes.test'] }, net.lookup);
    expect((await resolve(byHost, 'notes.test')).error).toBeNull();
    expect((await resolve(byHost, 'NOTES.TEST.')).error).toBeNull();
    expect((await resolve(byHost, 'other.test')).error?.code).toBe('EGRESS.BLOCKED_ADDRESS');
    const everything = checkedLookup({ allowAddresses: ['0.0.0.0/0'], allowPrivateHosts: ['meta.test'] }, net.lookup);
    expect((await resolve(everything, 'meta.test')).error?.code).toBe('EGRESS.METADATA');
  });

  it('passes the resolver’s own failure through, and refuses an empty answer', async () => {
    const net = fencedNetwork({ 'empty.test': [[]] });
    const lookup = checkedLookup({}, net.lookup);
    expect((await resolve(lookup, 'nowhere.test')).error?.code).toBe('ENOTFOUND');
    expect((await resolve(lookup, 'empty.test')).error?.code).toBe('EGRESS.BLOCKED_ADDRESS');
  });
});
