/**
 * A Map that holds at most `max` entries: past that, the entries inserted first leave first
 * (first in, first out: setting a key again keeps its place), and `onEvict` is told of each. The
 * order of insertion is kept in a queue of keys, so letting the oldest go costs O(1) (a Map's
 * first key, taken through a fresh iterator, walks the slots of every entry deleted before it).
 * Which entries leave depends only on the order of the `set` calls: a read model rebuilt by replay
 * holds the same ones.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  private order: K[] = [];
  private head = 0;

  constructor(
    private readonly max: number,
    private readonly onEvict: (key: K, value: V) => void = () => undefined,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a bounded map holds at least 1 entry, got ${max}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** In insertion order. */
  values(): IterableIterator<V> {
    return this.entries.values();
  }

  /** In insertion order. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries[Symbol.iterator]();
  }

  set(key: K, value: V): this {
    if (!this.entries.has(key)) this.order.push(key);
    this.entries.set(key, value);
    while (this.entries.size > this.max) {
      const oldest = this.order[this.head++];
      const evicted = this.entries.get(oldest) as V;
      this.entries.delete(oldest);
      this.onEvict(oldest, evicted);
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return this;
  }
}
