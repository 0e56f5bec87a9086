import { checkMetricsAccess, isLoopback } from './metrics-access';

describe('metrics access', () => {
  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('lets loopback %s in without a token', (address) => {
    expect(isLoopback(address)).toBe(true);
    expect(() => checkMetricsAccess(undefined, address, undefined)).not.toThrow();
  });

  it.each(['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', '::', '0.0.0.0', undefined])('refuses %s without a token (403 METRICS.LOOPBACK_ONLY)', (address) => {
    expect(() => checkMetricsAccess(undefined, address, undefined)).toThrow(expect.objectContaining({ kind: 'forbidden', code: 'METRICS.LOOPBACK_ONLY' }));
  });

  it('with a token, wants exactly that bearer token from anyone, loopback included', () => {
    const token = 'metrics-token-0123456789';
    expect(() => checkMetricsAccess(token, '10.0.0.1', `Bearer ${token}`)).not.toThrow();
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${token}`, `Bearer ${token}x`]) {
      expect(() => checkMetricsAccess(token, '127.0.0.1', authorization)).toThrow(expect.objectContaining({ kind: 'unauthenticated', code: 'METRICS.TOKEN_REQUIRED' }));
    }
  });
});
