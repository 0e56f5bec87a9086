import { LedgerError } from './errors';
import { createSequencedMicrosClock, rfc3339Micros, rfc3339MicrosNow } from './time';

describe('RFC 3339 timestamps with microseconds', () => {
  const date = new Date(Date.UTC(2026, 10, 25, 4, 10, 57, 123));

  it('writes UTC with a six-digit fraction', () => {
    expect(rfc3339Micros(date, 456)).toBe('2026-11-25T04:10:57.123456Z');
    expect(rfc3339Micros(date)).toBe('2026-11-25T04:10:57.123000Z');
    expect(rfc3339Micros(new Date(Date.UTC(2026, 0, 1)), 7)).toBe('2026-01-01T00:00:00.000007Z');
  });

  it('reads an injected clock', () => {
    expect(rfc3339MicrosNow(() => ({ epochMs: date.getTime(), micros: 9 }))).toBe('2026-11-25T04:10:57.123009Z');
  });

  it('refuses sub-millisecond parts outside 0..999 and dates it cannot write', () => {
    expect(() => rfc3339Micros(date, 1000)).toThrow(LedgerError);
    expect(() => rfc3339Micros(date, -1)).toThrow(LedgerError);
    expect(() => rfc3339Micros(date, 1.5)).toThrow(LedgerError);
    expect(() => rfc3339Micros(new Date(Number.NaN))).toThrow(LedgerError);
    expect(() => rfc3339Micros(new Date(Date.UTC(10000, 0, 1)))).toThrow(LedgerError);
  });

  it('sequences readings within one millisecond and restarts at the next', () => {
    const ticks = [1000, 1000, 1000, 1001, 1001];
    const clock = createSequencedMicrosClock(() => ticks.shift()!);
    expect([clock(), clock(), clock(), clock(), clock()].map((r) => [r.epochMs, r.micros])).toEqual([
      [1000, 0],
      [1000, 1],
      [1000, 2],
      [1001, 0],
      [1001, 1],
    ]);
  });

  it('caps the sequence at 999', () => {
    const clock = createSequencedMicrosClock(() => 5);
    let last = clock();
    for (let i = 0; i < 1200; i++) last = clock();
    expect(last.micros).toBe(999);
  });
});
