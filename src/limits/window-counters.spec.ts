import { WindowCounters } from './window-counters';
import { windowAt } from './windows';

const at = (iso: string) => Date.parse(iso);

describe('windowAt: fixed UTC windows and their reset times', () => {
  it('rpm, rph and daily start on the UTC minute, hour and day a moment falls in and end one size later', () => {
    const t = at('2026-12-01T13:45:30.250Z');
    expect(windowAt('rpm', t)).toEqual({ startMs: at('2026-12-01T13:45:00Z'), endMs: at('2026-12-01T13:46:00Z') });
    expect(windowAt('rph', t)).toEqual({ startMs: at('2026-12-01T13:00:00Z'), endMs: at('2026-12-01T14:00:00Z') });
    expect(windowAt('daily', t)).toEqual({ startMs: at('2026-12-01T00:00:00Z'), endMs: at('2026-12-02T00:00:00Z') });
  });

  it('the first millisecond of a window belongs to it; the last one of the previous window does not', () => {
    const edge = at('2026-12-01T14:00:00.000Z');
    expect(windowAt('rph', edge).startMs).toBe(edge);
    expect(windowAt('rph', edge - 1).endMs).toBe(edge);
    expect(windowAt('rpm', edge - 1).startMs).toBe(at('2026-12-01T13:59:00Z'));
  });

  it('monthly is the calendar month in UTC: 28, 29, 30 or 31 days, across the year end', () => {
    expect(windowAt('monthly', at('2028-02-29T23:59:59.999Z'))).toEqual({ startMs: at('2028-02-01T00:00:00Z'), endMs: at('2028-03-01T00:00:00Z') });
    expect(windowAt('monthly', at('2027-02-10T00:00:00Z')).endMs - at('2027-02-01T00:00:00Z')).toBe(28 * 86_400_000);
    expect(windowAt('monthly', at('2026-12-31T23:59:59.999Z'))).toEqual({ startMs: at('2026-12-01T00:00:00Z'), endMs: at('2027-01-01T00:00:00Z') });
    expect(windowAt('monthly', at('2027-01-01T00:00:00Z')).startMs).toBe(at('2027-01-01T00:00:00Z'));
  });
});

describe('WindowCounters', () => {
  const t = at('2026-12-01T13:45:10Z');

  it('counts per key and window kind; kinds and keys are apart', () => {
    const c = new WindowCounters();
    c.add('rpm', 'agent:a', t, 1);
    c.add('rpm', 'agent:a', t + 1_000, 1);
    c.add('rph', 'agent:a', t, 1);
    c.add('rpm', 'agent:b', t, 5);
    expect(c.get('rpm', 'agent:a', t + 2_000)).toBe(2);
    expect(c.get('rph', 'agent:a', t + 2_000)).toBe(1);
    expect(c.get('daily', 'agent:a', t)).toBe(0);
    expect(c.get('rpm', 'agent:b', t)).toBe(5);
    expect(c.get('rpm', 'agent:c', t)).toBe(0);
  });

  it('rolls over: a count from the previous window reads 0 in the next, and a new add starts from the amount', () => {
    const c = new WindowCounters();
    const lastMs = at('2026-12-01T13:45:59.999Z');
    c.add('rpm', 'k', lastMs, 3);
    expect(c.get('rpm', 'k', lastMs)).toBe(3);
    expect(c.get('rpm', 'k', lastMs + 1)).toBe(0);
    c.add('rpm', 'k', lastMs + 1, 1);
    expect(c.get('rpm', 'k', lastMs + 1)).toBe(1);
    // The hour has not rolled over: an rph count of the same moments keeps adding up.
    c.add('rph', 'k', lastMs, 3);
    c.add('rph', 'k', lastMs + 1, 1);
    expect(c.get('rph', 'k', lastMs + 1)).toBe(4);
  });

  it('an add for a window older than the one counted is ignored (a late event no longer counts)', () => {
    const c = new WindowCounters();
    c.add('rpm', 'k', t + 60_000, 2);
    c.add('rpm', 'k', t, 10);
    expect(c.get('rpm', 'k', t + 60_000)).toBe(2);
    expect(c.get('rpm', 'k', t)).toBe(0); // the older window is not kept
  });

  it('a released reservation (a negative add) takes back from its own window, never from the next one', () => {
    const c = new WindowCounters();
    const lastMs = at('2026-12-01T23:59:59.900Z');
    c.add('daily', 'cap', lastMs, 250_000); // micros
    c.add('daily', 'cap', lastMs, 500_000);
    c.add('daily', 'cap', lastMs, -250_000);
    expect(c.get('daily', 'cap', lastMs)).toBe(500_000);
    // The day rolls over while a call is out; its release must not go below zero in the new day.
    c.add('daily', 'cap', lastMs + 200, 100_000);
    c.add('daily', 'cap', lastMs, -500_000);
    expect(c.get('daily', 'cap', lastMs + 200)).toBe(100_000);
  });

  it('sweeps ended windows, at most once a minute, and keeps the live ones', () => {
    const c = new WindowCounters();
    c.add('rpm', 'old', t, 1);
    c.add('daily', 'live', t, 1);
    expect(c.size).toBe(2);
    c.sweep(t + 120_000);
    expect(c.size).toBe(1);
    expect(c.get('daily', 'live', t + 120_000)).toBe(1);
    c.add('rpm', 'old2', t + 120_000, 1);
    c.sweep(t + 150_000); // less than a minute after the last sweep: nothing happens
    expect(c.size).toBe(2);
    c.sweep(t + 240_000);
    expect(c.size).toBe(1);
  });
});
