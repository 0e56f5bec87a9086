import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkStoredEvent, resolverOf, toBase64Url, type EventCheck, type KeyDirectory } from '@warden/ledger';
import type { RecordedEvent } from '@warden/event-store';

const WORKER_FILE = join(__dirname, 'event-check-worker.js');

/**
 * The parallel half of verifying the log: each event's hash, signature and row on its own
 * (libs/ledger checkStoredEvent), a page at a time. What needs the order — positions, chains,
 * key registration order — stays with the caller's LedgerAuditor, fed the checks in order.
 * Used by `warden verify` and by the read models' replay at start-up.
 */
export interface EventChecker {
  /** Pages checked at once (the caller keeps about twice as many in flight). */
  readonly parallelism: number;
  check(page: readonly RecordedEvent[]): Promise<EventCheck[]>;
  close(): Promise<void>;
}

/**
 * Worker threads when asked for and the compiled worker file exists (dist/; not the TypeScript
 * sources under jest), else this thread. The workers know the directory's keys as of now.
 */
export function eventCheckerFor(directory: KeyDirectory, workers: number): EventChecker {
  return workers > 0 && existsSync(WORKER_FILE) ? new WorkerEventChecker(directory, workers) : new InlineEventChecker(directory);
}

export class InlineEventChecker implements EventChecker {
  readonly parallelism = 1;
  private readonly resolve;
  constructor(directory: KeyDirectory) {
    this.resolve = resolverOf(directory);
  }
  async check(page: readonly RecordedEvent[]): Promise<EventCheck[]> {
    return page.map((e) => checkStoredEvent(e, this.resolve));
  }
  async close(): Promise<void> {}
}

/** Pages go round-robin to up to `parallelism` workers, started on first use: a small ledger starts one. */
export class WorkerEventChecker implements EventChecker {
  private readonly workers: Worker[] = [];
  private readonly keys: Array<[string, string]>;
  private readonly pending = new Map<number, { resolve: (c: EventCheck[]) => void; reject: (e: unknown) => void }>();
  private next = 0;

  constructor(directory: KeyDirectory, readonly parallelism: number) {
    this.keys = [...directory.keys].map(([kid, k]) => [kid, toBase64Url(k.publicKey)]);
  }

  check(page: readonly RecordedEvent[]): Promise<EventCheck[]> {
    const seq = this.next++;
    // As one JSON string: V8's JSON.stringify costs this thread less than structured-cloning the envelopes.
    const events = JSON.stringify(page.map(({ position, stream, revision, id, type, data }) => ({ position, stream, revision, id, type, data })));
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker(seq % this.parallelism).postMessage({ seq, events });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private worker(index: number): Worker {
    if (this.workers[index]) return this.workers[index];
    const worker = new Worker(WORKER_FILE, { workerData: { keys: this.keys } });
    worker.on('message', (m: { seq: number; checks: EventCheck[] }) => {
      this.pending.get(m.seq)?.resolve(m.checks);
      this.pending.delete(m.seq);
    });
    const failAll = (error: unknown) => {
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`an event-check worker exited (code ${code})`)));
    this.workers[index] = worker;
    return worker;
  }
}
