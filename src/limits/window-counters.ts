import { arrayAt, numberAt, SnapshotShapeError, stringAt } from '../ledger/snapshot-shape';
import { windowAt, type LimitWindow } from './windows';

interface Entry {
  startMs: number;
  n: number;
}

/** [window ␂ key, window start (epoch ms), count] per entry (a snapshot's form). */
export type WindowCountersState = Array<[slot: string, startMs: number, n: number]>;

const SLOT_SEPARATOR = '\u0002';
const LIMIT_WINDOWS: readonly string[] = ['rpm', 'rph', 'daily', 'monthly'] satisfies LimitWindow[];

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

  state(): WindowCountersState {
    const rows: WindowCountersState = [];
    for (const [window, entries] of this.byWindow) for (const [key, entry] of entries) rows.push([`${window}${SLOT_SEPARATOR}${key}`, entry.startMs, entry.n]);
    return rows;
  }

  static fromState(state: unknown, where: string): WindowCounters {
    const counters = new WindowCounters();
    arrayAt(state, where).forEach((row, i) => {
      const [slotValue, startMs, n] = arrayAt(row, `${where}[${i}]`);
      const slot = stringAt(slotValue, `${where}[${i}][0]`);
      const at = slot.indexOf(SLOT_SEPARATOR);
      const window = slot.slice(0, at);
      if (at < 0 || !LIMIT_WINDOWS.includes(window as LimitWindow)) throw new SnapshotShapeError(`${where}[${i}][0]`, 'a window counter slot (window ␂ key)');
      counters.entriesOf(window as LimitWindow).set(slot.slice(at + 1), { startMs: numberAt(startMs, `${where}[${i}][1]`), n: numberAt(n, `${where}[${i}][2]`) });
    });
    return counters;
  }
}
