/**
 * Bounds what a flood of rejected requests can write: per (source, reason) and time window, the
 * first `burst` rejections are recorded one by one, the rest only counted; a window with counted
 * rejections closes into one summary. At most `maxTracked` (source, reason) pairs are tracked;
 * beyond that, new sources share the source `*`. Pure: the caller passes the time.
 */
export interface RejectionSummary {
  source: string;
  reason: string;
  /** Rejections counted (not recorded one by one) in the window. */
  count: number;
  /** First and last counted rejection, epoch ms. */
  fromMs: number;
  toMs: number;
}

interface Window {
  source: string;
  reason: string;
  startMs: number;
  recorded: number;
  counted: number;
  fromMs: number;
  toMs: number;
}

export const OVERFLOW_SOURCE = '*';

export class RejectionWindows {
  private readonly open = new Map<string, Window>();
  private closed: RejectionSummary[] = [];

  constructor(
    readonly windowMs: number,
    readonly burst: number,
    readonly maxTracked: number,
  ) {
    if (windowMs <= 0 || burst < 1 || maxTracked < 1) throw new RangeError('rejection windows need a positive window, burst and size');
  }

  /**
   * 'record': record this one on its own; 'count': it is counted into its window's summary.
   * `countOnly`: never recorded on its own (a throttled source's requests: only their number matters).
   */
  admit(source: string, reason: string, nowMs: number, countOnly = false): 'record' | 'count' {
    let key = `${source}\n${reason}`;
    let window = this.open.get(key);
    if (window && nowMs - window.startMs >= this.windowMs) {
      this.close(key, window);
      window = undefined;
    }
    if (!window) {
      if (this.open.size >= this.maxTracked) {
        key = `${OVERFLOW_SOURCE}\n${reason}`;
        source = OVERFLOW_SOURCE;
        window = this.open.get(key);
      }
      if (!window) {
        window = { source, reason, startMs: nowMs, recorded: 0, counted: 0, fromMs: nowMs, toMs: nowMs };
        this.open.set(key, window);
      }
    }
    if (!countOnly && window.recorded < this.burst) {
      window.recorded += 1;
      return 'record';
    }
    if (window.counted === 0) window.fromMs = nowMs;
    window.counted += 1;
    window.toMs = nowMs;
    return 'count';
  }

  /** Summaries of the windows that have ended by `nowMs` (each once); `all` ends every window now. */
  due(nowMs: number, all = false): RejectionSummary[] {
    for (const [key, window] of this.open) {
      if (all || nowMs - window.startMs >= this.windowMs) this.close(key, window);
    }
    const due = this.closed;
    this.closed = [];
    return due;
  }

  get tracked(): number {
    return this.open.size;
  }

  private close(key: string, window: Window): void {
    this.open.delete(key);
    if (window.counted > 0) {
      this.closed.push({ source: window.source, reason: window.reason, count: window.counted, fromMs: window.fromMs, toMs: window.toMs });
    }
  }
}
