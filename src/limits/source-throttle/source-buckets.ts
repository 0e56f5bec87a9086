/**
 * Token buckets of rejected requests, one per source address: a bucket holds up to `perMinute`
 * tokens and refills at `perMinute` a minute; each rejection takes one. A source whose bucket has
 * less than one token is throttled until it has one again. At most `maxTracked` sources are kept
 * (the least recently rejected goes first; losing a bucket forgives its source, nothing more).
 * Pure: the caller passes the time.
 */
export interface ThrottleVerdict {
  throttled: boolean;
  /** Throttled: when one token is back, in ms from now. */
  retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

const MINUTE_MS = 60_000;
const FREE: ThrottleVerdict = { throttled: false, retryAfterMs: 0 };

export class SourceBuckets {
  /** Map order is the LRU order: a rejection moves its source to the end. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    readonly maxTracked: number,
  ) {
    if (!Number.isInteger(perMinute) || perMinute < 1 || !Number.isInteger(maxTracked) || maxTracked < 1) {
      throw new RangeError('source buckets need a positive whole rate and size');
    }
    this.perMs = perMinute / MINUTE_MS;
  }

  /** Is `source` throttled now? Does not change its bucket. */
  check(source: string, nowMs: number): ThrottleVerdict {
    const bucket = this.buckets.get(source);
    if (!bucket) return FREE;
    const tokens = this.tokensAt(bucket, nowMs);
    if (tokens >= 1) return FREE;
    return { throttled: true, retryAfterMs: Math.ceil((1 - tokens) / this.perMs) };
  }

  /** One rejection of `source`: takes a token (never below zero). */
  reject(source: string, nowMs: number): void {
    const bucket = this.buckets.get(source);
    const tokens = bucket ? this.tokensAt(bucket, nowMs) : this.perMinute;
    if (bucket) this.buckets.delete(source);
    else this.makeRoom();
    this.buckets.set(source, { tokens: Math.max(0, tokens - 1), atMs: nowMs });
  }

  get tracked(): number {
    return this.buckets.size;
  }

  private tokensAt(bucket: Bucket, nowMs: number): number {
    return Math.min(this.perMinute, bucket.tokens + Math.max(0, nowMs - bucket.atMs) * this.perMs);
  }

  /** Before a new source is tracked: the least recently rejected one goes (O(1), whatever the flood). */
  private makeRoom(): void {
    while (this.buckets.size >= this.maxTracked) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
