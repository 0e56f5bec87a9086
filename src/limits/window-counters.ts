import { arrayAt, numberAt, stringAt } from '../ledger/snapshot-shape';
import { windowAt, type LimitWindow } from './windows';

/** [window ␂ key, window start (epoch ms), count] per entry (a snapshot's form). */
export type WindowCountersState = Array<[slot: string, startMs: number, n: number]>;

/**
 * Counts per key in the current window of each kind (rpm, rph, daily, monthly): one entry per
 * key and window kind, replaced when a later window begins, so memory follows the keys in use.
 * An add for a window older than the entry's is ignored (it no longer counts); ended windows are
 * swept from time to time.
 */
export class WindowCounters {
  private readonly entries = new Map<string, { startMs: number; n: number }>();
  private lastSweepMs = 0;

  add(window: LimitWindow, key: string, atMs: number, amount: number): void {
    const { startMs } = windowAt(window, atMs);
    const slot = `${window}\u0002${key}`;
    const entry = this.entries.get(slot);
    if (!entry || entry.startMs < startMs) this.entries.set(slot, { startMs, n: amount });
    else if (entry.startMs === startMs) entry.n += amount;
  }

  /** The count of `key` in the window `atMs` falls in. */
  get(window: LimitWindow, key: string, atMs: number): number {
    const entry = this.entries.get(`${window}\u0002${key}`);
    return entry && entry.startMs === windowAt(window, atMs).startMs ? entry.n : 0;
  }

  /** Drops entries whose window has ended; at most once a minute. */
  sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 60_000) return;
    this.lastSweepMs = nowMs;
    for (const [slot, entry] of this.entries) {
      const window = slot.slice(0, slot.indexOf('\u0002')) as LimitWindow;
      if (windowAt(window, entry.startMs).endMs <= nowMs) this.entries.delete(slot);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  state(): WindowCountersState {
    return [...this.entries].map(([slot, entry]) => [slot, entry.startMs, entry.n]);
  }

  static fromState(state: unknown, where: string): WindowCounters {
    const counters = new WindowCounters();
    arrayAt(state, where).forEach((row, i) => {
      const [slot, startMs, n] = arrayAt(row, `${where}[${i}]`);
      counters.entries.set(stringAt(slot, `${where}[${i}][0]`), { startMs: numberAt(startMs, `${where}[${i}][1]`), n: numberAt(n, `${where}[${i}][2]`) });
    });
    return counters;
  }
}
