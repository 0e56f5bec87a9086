import { SourceBuckets } from './source-buckets';

describe('SourceBuckets', () => {
  const t0 = 1_800_000_000_000;

  it('a source is throttled after perMinute rejections, with the time until one token is back', () => {
    const buckets = new SourceBuckets(6, 100);
    for (let i = 0; i < 5; i++) buckets.reject('a', t0);
    expect(buckets.check('a', t0)).toEqual({ throttled: false, retryAfterMs: 0 });
    buckets.reject('a', t0);
    // 6 a minute: one token every 10 s.
    expect(buckets.check('a', t0)).toEqual({ throttled: true, retryAfterMs: 10_000 });
    expect(buckets.check('a', t0 + 4_000)).toEqual({ throttled: true, retryAfterMs: 6_000 });
    expect(buckets.check('a', t0 + 10_000).throttled).toBe(false);
  });

  it('refills at the rate, never above perMinute, and a refilled token is spent by the next rejection', () => {
    const buckets = new SourceBuckets(6, 100);
    for (let i = 0; i < 6; i++) buckets.reject('a', t0);
    buckets.reject('a', t0 + 10_000); // the one token that came back
    expect(buckets.check('a', t0 + 10_000).throttled).toBe(true);
    // An hour later the bucket is full again (6), not 360.
    for (let i = 0; i < 6; i++) buckets.reject('a', t0 + 3_600_000);
    expect(buckets.check('a', t0 + 3_600_000).throttled).toBe(true);
  });

  it('one source throttled leaves the others alone; a source never rejected is never throttled', () => {
    const buckets = new SourceBuckets(2, 100);
    buckets.reject('a', t0);
    buckets.reject('a', t0);
    expect(buckets.check('a', t0).throttled).toBe(true);
    expect(buckets.check('b', t0).throttled).toBe(false);
    buckets.reject('b', t0);
    expect(buckets.check('b', t0).throttled).toBe(false);
  });

  it('a clock that goes back refills nothing', () => {
    const buckets = new SourceBuckets(2, 100);
    buckets.reject('a', t0);
    buckets.reject('a', t0);
    expect(buckets.check('a', t0 - 60_000).throttled).toBe(true);
  });

  it('tracks at most maxTracked sources, dropping the least recently rejected', () => {
    const buckets = new SourceBuckets(1, 3);
    for (const s of ['a', 'b', 'c']) buckets.reject(s, t0);
    buckets.reject('a', t0 + 1); // a is now the most recent
    buckets.reject('d', t0 + 2); // b goes
    expect(buckets.tracked).toBe(3);
    expect(buckets.check('b', t0 + 2).throttled).toBe(false);
    expect(['a', 'c', 'd'].map((s) => buckets.check(s, t0 + 2).throttled)).toEqual([true, true, true]);
    for (let i = 0; i < 1000; i++) buckets.reject(`flood-${i}`, t0 + 3);
    expect(buckets.tracked).toBe(3);
  });

  it('refuses a rate or size that is not a positive whole number', () => {
    expect(() => new SourceBuckets(0, 1)).toThrow(RangeError);
    expect(() => new SourceBuckets(1, 0)).toThrow(RangeError);
    expect(() => new SourceBuckets(1.5, 1)).toThrow(RangeError);
  });
});
