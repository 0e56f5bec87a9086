import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildKeyDirectory, checkStoredEvent, KEY_STREAM, LedgerAuditor, resolverOf, toBase64Url, type AuditProblem, type EventCheck, type KeyDirectory } from '@warden/ledger';
import type { EventStore, RecordedEvent } from '@warden/event-store';

export interface VerifyReport {
  ok: boolean;
  events: number;
  streams: number;
  keys: number;
  seconds: number;
  firstProblem?: AuditProblem;
  problems: AuditProblem[];
}

export interface VerifyOptions {
  rootPublicKey: Uint8Array;
  /** Worker threads checking signatures; 0 checks in this thread. */
  workers: number;
  pageSize?: number;
  densePositions?: boolean;
  onProgress?: (done: number) => void;
}

const WORKER_FILE = join(__dirname, 'verify-worker.js');

/**
 * Checks the whole ledger: every signature (by a key the root registered before it signed),
 * every stream's hash chain, and that the global log has no holes or reordering. Hash and
 * signature checks run in worker threads; the chain walk is sequential, in commit order.
 */
export async function verifyLedger(store: EventStore, options: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const registrations = (await store.readStream(KEY_STREAM)).map((e) => ({ position: e.position, envelope: e.data }));
  const directory = buildKeyDirectory(options.rootPublicKey, registrations);
  const auditor = new LedgerAuditor(directory, { densePositions: options.densePositions ?? true });
  const checker = options.workers > 0 && existsSync(WORKER_FILE) ? new WorkerChecker(directory, options.workers) : new InlineChecker(directory);
  const pageSize = options.pageSize ?? 2000;
  try {
    const inFlight: Array<Promise<EventCheck[]>> = [];
    const drain = async () => {
      for (const check of await inFlight.shift()!) auditor.feed(check);
      options.onProgress?.(auditor.events);
    };
    let from = 0;
    for (;;) {
      const page = await store.readAll({ fromPosition: from, maxCount: pageSize });
      if (page.length === 0) break;
      from = page[page.length - 1].position;
      inFlight.push(checker.check(page));
      if (inFlight.length > checker.parallelism * 2) await drain();
    }
    while (inFlight.length > 0) await drain();
  } finally {
    await checker.close();
  }
  return {
    ok: auditor.problems.length === 0,
    events: auditor.events,
    streams: auditor.streamCount,
    keys: directory.keys.size,
    seconds: (performance.now() - started) / 1000,
    firstProblem: auditor.problems[0],
    problems: auditor.problems,
  };
}

interface Checker {
  readonly parallelism: number;
  check(page: RecordedEvent[]): Promise<EventCheck[]>;
  close(): Promise<void>;
}

class InlineChecker implements Checker {
  readonly parallelism = 1;
  private readonly resolve;
  constructor(directory: KeyDirectory) {
    this.resolve = resolverOf(directory);
  }
  async check(page: RecordedEvent[]): Promise<EventCheck[]> {
    return page.map((e) => checkStoredEvent(e, this.resolve));
  }
  async close(): Promise<void> {}
}

class WorkerChecker implements Checker {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (c: EventCheck[]) => void; reject: (e: unknown) => void }>();
  private next = 0;

  constructor(directory: KeyDirectory, readonly parallelism: number) {
    const keys = [...directory.keys].map(([kid, k]) => [kid, toBase64Url(k.publicKey)]);
    this.workers = Array.from({ length: parallelism }, () => {
      const worker = new Worker(WORKER_FILE, { workerData: { keys } });
      worker.on('message', (m: { seq: number; checks: EventCheck[] }) => {
        this.pending.get(m.seq)?.resolve(m.checks);
        this.pending.delete(m.seq);
      });
      worker.on('error', (error) => {
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      });
      return worker;
    });
  }

  check(page: RecordedEvent[]): Promise<EventCheck[]> {
    const seq = this.next++;
    const events = page.map(({ position, stream, revision, data }) => ({ position, stream, revision, data }));
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.workers[seq % this.workers.length].postMessage({ seq, events });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
