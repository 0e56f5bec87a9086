import { CallWindow, TRUST_WINDOW, trustScore } from './trust-score';

describe('trust score', () => {
  it('starts from the base and loses 4 per denial and 2 per failure, within 0..100', () => {
    expect(trustScore({ base: 80, attested: true, calls: 0, denials: 0, failures: 0, findings: 0 })).toBe(80);
    expect(trustScore({ base: 80, attested: true, calls: 9, denials: 6, failures: 1, findings: 0 })).toBe(54);
    expect(trustScore({ base: 10, attested: true, calls: 9, denials: 9, failures: 0, findings: 0 })).toBe(0);
    expect(trustScore({ base: 100, attested: true, calls: 0, denials: 0, failures: 0, findings: 0 })).toBe(100);
  });

  it('counts only the last calls of the window, and a failure only of a call it holds', () => {
    const w = new CallWindow();
    for (let i = 0; i < 10; i++) w.decided(`d${i}`, true);
    w.failed('d0'); // a denied call does not also fail
    expect([w.denials, w.failures]).toEqual([10, 0]);
    w.decided('ok1', false);
    w.failed('ok1');
    w.failed('ok1');
    expect(w.failures).toBe(1);
    for (let i = 0; i < TRUST_WINDOW * 5; i++) w.decided(`later${i}`, false);
    expect([w.size, w.denials, w.failures]).toEqual([TRUST_WINDOW, 0, 0]);
    w.failed('ok1'); // long gone
    expect(w.failures).toBe(0);
    w.decided('last', true);
    expect(w.denials).toBe(1);
  });
});
