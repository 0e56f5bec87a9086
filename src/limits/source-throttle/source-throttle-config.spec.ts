import { DEFAULT_REJECTED_PER_MINUTE, sourceThrottleConfigFrom } from './source-throttle-config';

describe('WARDEN_REJECTED_PER_SOURCE_PER_MINUTE', () => {
  it('defaults to 600 a minute; 0 turns the throttle off', () => {
    expect(DEFAULT_REJECTED_PER_MINUTE).toBe(600);
    expect(sourceThrottleConfigFrom({}).rejectedPerMinute).toBe(600);
    expect(sourceThrottleConfigFrom({ WARDEN_REJECTED_PER_SOURCE_PER_MINUTE: '' }).rejectedPerMinute).toBe(600);
    expect(sourceThrottleConfigFrom({ WARDEN_REJECTED_PER_SOURCE_PER_MINUTE: '0' }).rejectedPerMinute).toBe(0);
    expect(sourceThrottleConfigFrom({ WARDEN_REJECTED_PER_SOURCE_PER_MINUTE: '30' }).rejectedPerMinute).toBe(30);
  });

  it.each(['-1', '1.5', 'many', '1e3', '1000001'])('refuses %s, naming the variable', (raw) => {
    expect(() => sourceThrottleConfigFrom({ WARDEN_REJECTED_PER_SOURCE_PER_MINUTE: raw })).toThrow(/WARDEN_REJECTED_PER_SOURCE_PER_MINUTE must be an integer from 0 \(off\) to 1000000/);
  });
});
