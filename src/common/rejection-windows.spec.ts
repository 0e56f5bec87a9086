import { OVERFLOW_SOURCE, RejectionWindows } from './rejection-windows';

describe('rejection windows', () => {
  it('records the first `burst` of a (source, reason) in a window, counts the rest into one summary when the window ends', () => {
    const w = new RejectionWindows(60_000, 3, 100);
    const admitted = Array.from({ length: 10 }, (_, i) => w.admit('10.0.0.1', 'AUTH.INVALID_KEY', 1_000 + i));
    expect(admitted).toEqual(['record', 'record', 'record', ...Array(7).fill('count')]);
    expect(w.due(30_000)).toEqual([]); // the window is still open
    expect(w.due(61_000)).toEqual([{ source: '10.0.0.1', reason: 'AUTH.INVALID_KEY', count: 7, fromMs: 1_003, toMs: 1_009 }]);
    expect(w.due(200_000)).toEqual([]); // each summary once
    expect(w.admit('10.0.0.1', 'AUTH.INVALID_KEY', 200_000)).toBe('record'); // a new window
  });

  it('keeps sources and reasons apart, and writes no summary for a window with nothing counted', () => {
    const w = new RejectionWindows(60_000, 1, 100);
    expect(w.admit('a', 'AUTH.INVALID_KEY', 0)).toBe('record');
    expect(w.admit('b', 'AUTH.INVALID_KEY', 0)).toBe('record');
    expect(w.admit('a', 'AUTH.MISSING_KEY', 0)).toBe('record');
    expect(w.admit('a', 'AUTH.INVALID_KEY', 1)).toBe('count');
    expect(w.due(0, true)).toEqual([{ source: 'a', reason: 'AUTH.INVALID_KEY', count: 1, fromMs: 1, toMs: 1 }]);
    expect(w.tracked).toBe(0);
  });

  it('closes a window whose time is up when its next rejection arrives, and reports it at the next flush', () => {
    const w = new RejectionWindows(10, 1, 100);
    w.admit('a', 'r', 0);
    w.admit('a', 'r', 5);
    expect(w.admit('a', 'r', 12)).toBe('record');
    expect(w.due(13)).toEqual([{ source: 'a', reason: 'r', count: 1, fromMs: 5, toMs: 5 }]);
  });

  it('countOnly: never recorded on its own, even within the burst; counted into the summary', () => {
    const w = new RejectionWindows(60_000, 20, 100);
    const admitted = Array.from({ length: 5 }, (_, i) => w.admit('a', 'LIMIT.SOURCE_THROTTLED', 100 + i, true));
    expect(admitted).toEqual(Array(5).fill('count'));
    expect(w.admit('a', 'AUTH.INVALID_KEY', 200)).toBe('record'); // other reasons keep their burst
    expect(w.due(0, true)).toEqual([{ source: 'a', reason: 'LIMIT.SOURCE_THROTTLED', count: 5, fromMs: 100, toMs: 104 }]);
  });

  it('tracks at most maxTracked pairs: sources beyond that share the source "*"', () => {
    const w = new RejectionWindows(60_000, 1, 2);
    w.admit('a', 'r', 0);
    w.admit('b', 'r', 0);
    const flood = Array.from({ length: 1000 }, (_, i) => w.admit(`spoofed-${i}`, 'r', 1));
    expect(flood.filter((x) => x === 'record')).toHaveLength(1);
    expect(w.tracked).toBe(3);
    expect(w.due(0, true)).toEqual([{ source: OVERFLOW_SOURCE, reason: 'r', count: 999, fromMs: 1, toMs: 1 }]);
  });
});
