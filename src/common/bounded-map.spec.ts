import { BoundedMap } from './bounded-map';

describe('BoundedMap', () => {
  it('lets the first inserted go first, tells of each, and keeps the place of a key set again', () => {
    const gone: Array<[string, number]> = [];
    const map = new BoundedMap<string, number>(2, (key, value) => gone.push([key, value]));
    map.set('a', 1).set('b', 2).set('a', 10).set('c', 3);
    expect([...map]).toEqual([['b', 2], ['c', 3]]);
    expect(gone).toEqual([['a', 10]]);
    expect(map.has('a')).toBe(false);
    expect(map.get('b')).toBe(2);
    expect([...map.values()]).toEqual([2, 3]);
  });

  it('stays bounded, queue included, over many more keys than it holds', () => {
    const map = new BoundedMap<number, number>(10);
    for (let i = 0; i < 50_000; i++) map.set(i, i);
    expect(map.size).toBe(10);
    expect([...map.values()]).toEqual([49_990, 49_991, 49_992, 49_993, 49_994, 49_995, 49_996, 49_997, 49_998, 49_999]);
    expect((map as unknown as { order: number[] }).order.length).toBeLessThan(2_100);
  });

  it('refuses a bound under 1', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});
