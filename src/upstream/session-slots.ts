/**
 * How many requests one pooled upstream session carries at once: beyond `max`, callers wait in
 * arrival order (a waiter whose agent cancels leaves the queue). Counts are the pool's telemetry.
 */
export class SessionSlots {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private lastBusy = Date.now();

  constructor(readonly max: number) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Milliseconds since a request last finished (0 while one runs). */
  idleMs(now = Date.now()): number {
    return this.running > 0 ? 0 : now - this.lastBusy;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.running < this.max && this.queue.length === 0) {
      this.running++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        const at = this.queue.indexOf(turn);
        if (at >= 0) this.queue.splice(at, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled while waiting for the upstream'));
      };
      if (signal?.aborted) return leave();
      signal?.addEventListener('abort', leave, { once: true });
      this.queue.push(turn);
    });
    return this.releaser(); // the slot was handed over by the releaser: `running` already counts it
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.lastBusy = Date.now();
      const next = this.queue.shift();
      if (next) next(); // handed straight to the next waiter: never seen free in between
      else this.running--;
    };
  }
}
