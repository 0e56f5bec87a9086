/**
 * Writes held back until the write they belong with is submitted (by key), so that both commit
 * together; a write whose partner does not come within maxWaitMs is handed to `alone`.
 */
export class WaitingWrites<W> {
  private readonly waiting = new Map<string, { write: W; timer: NodeJS.Timeout }>();

  constructor(private readonly maxWaitMs: number, private readonly alone: (write: W) => void) {}

  /** Holds `write` for `key`; hands it to `alone` at once if a write already waits for that key. */
  hold(key: string, write: W): void {
    if (this.waiting.has(key)) return this.alone(write);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.alone(write);
    }, this.maxWaitMs);
    this.waiting.set(key, { write, timer });
  }

  /** The write waiting for `key`, no longer waiting; undefined if none. */
  take(key: string): W | undefined {
    const waiting = this.waiting.get(key);
    if (!waiting) return undefined;
    this.waiting.delete(key);
    clearTimeout(waiting.timer);
    return waiting.write;
  }

  /** Hands every waiting write to `alone` now. */
  releaseAll(): void {
    for (const key of [...this.waiting.keys()]) {
      const write = this.take(key);
      if (write) this.alone(write);
    }
  }
}
