import { WardenError } from '../common/warden-error';
import { timeOf } from './time-range';

const now = new Date('2026-03-10T12:00:00Z');
describe('timeOf', () => {
  it('reads durations before now, RFC 3339 times, and falls back when absent', () => {
    expect(timeOf('7d', 'since', now, now).toISOString()).toBe('2026-03-03T12:00:00.000Z');
    expect(timeOf('30m', 'since', now, now).toISOString()).toBe('2026-03-10T11:30:00.000Z');
    expect(timeOf('2026-03-01T00:00:00Z', 'since', now, now).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(timeOf(undefined, 'since', now, new Date(0)).getTime()).toBe(0);
  });
  it('refuses anything else with the field named', () => {
    expect(() => timeOf('7 days', 'since', now, now)).toThrow(WardenError);
    expect(() => timeOf(7, 'until', now, now)).toThrow(expect.objectContaining({ details: { field: 'until' } }));
  });
});
