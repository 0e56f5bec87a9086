/** What an agent received (on its standalone stream, say), in order, and a way to wait for more. */
export class Received {
  readonly all: string[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  push(entry: string): void {
    this.all.push(entry);
    this.waiters = this.waiters.filter((w) => (this.all.length >= w.count ? (w.resolve(), false) : true));
  }

  /** Resolves once `count` entries have arrived. */
  atLeast(count: number): Promise<void> {
    if (this.all.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}
