import { windowAt, type LimitWindow } from './windows';

interface Entry {
  startMs: number;
  n: number;
}

/**
 * Counts per key in the current window of each kind (rpm, rph, daily, monthly): one entry per
 * key and window kind, replaced when a later window begins, so memory follows the keys in use.
 * An add for a window older than the entry's is ignored (it no longer counts); ended windows are
 * swept from time to time. One map per window kind, keyed by the caller's key string itself: a
 * call counts the same keys under every kind, and a string reused as a key is hashed once.
 */
export class WindowCounters {
  private readonly byWindow = new Map<LimitWindow, Map<string, Entry>>();
  private lastSweepMs = 0;

  add(window: LimitWindow, key: string, atMs: number, amount: number): void {
    const { startMs } = windowAt(window, atMs);
    const entries = this.entriesOf(window);
    const entry = entries.get(key);
    if (!entry || entry.startMs < startMs) entries.set(key, { startMs, n: amount });
    else if (entry.startMs === startMs) entry.n += amount;
  }

  /** The count of `key` in the window `atMs` falls in. */
  get(window: LimitWindow, key: string, atMs: number): number {
    const entry = this.byWindow.get(window)?.get(key);
    return entry && entry.startMs === windowAt(window, atMs).startMs ? entry.n : 0;
  }

  /** Drops entries whose window has ended; at most once a minute. */
  sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 60_000) return;
    this.lastSweepMs = nowMs;
    for (const [window, entries] of this.byWindow) {
      for (const [key, entry] of entries) if (windowAt(window, entry.startMs).endMs <= nowMs) entries.delete(key);
    }
  }

  get size(): number {
    let n = 0;
    for (const entries of this.byWindow.values()) n += entries.size;
    return n;
  }

  private entriesOf(window: LimitWindow): Map<string, Entry> {
    let entries = this.byWindow.get(window);
    if (!entries) this.byWindow.set(window, (entries = new Map()));
    return entries;
  }
}
