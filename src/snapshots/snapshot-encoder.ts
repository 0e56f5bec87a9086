import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { encodeSnapshotBody, type EncodedSnapshotBody, type ReadModelSnapshotBody } from '@warden/ledger';

const WORKER_FILE = join(__dirname, 'snapshot-encode-worker.js');

/** Where a snapshot body is encoded and hashed: 'worker' (default) keeps it off the event loop. */
export type SnapshotEncoding = 'worker' | 'inline';

/**
 * Encodes snapshot bodies (libs/ledger encodeSnapshotBody): on a worker thread, started on first
 * use and kept (unref'd) for the next, or in this thread when asked to, or when the compiled
 * worker file is absent (the TypeScript sources under jest). The states cross as one JSON string
 * (V8's JSON.stringify, done by the caller: the only part of the encoding left on its thread).
 * A failed worker fails the snapshot it was encoding (the node retries at the next tick) and is
 * replaced on the next use.
 */
export class SnapshotEncoder {
  private worker?: Worker;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (encoded: EncodedSnapshotBody) => void; reject: (error: Error) => void }>();

  constructor(private readonly encoding: SnapshotEncoding = 'worker') {}

  /** Whether bodies are encoded on a worker thread. */
  get offThread(): boolean {
    return this.encoding === 'worker' && existsSync(WORKER_FILE);
  }

  encode(frame: Omit<ReadModelSnapshotBody, 'projections'>, projectionsJson: string): Promise<EncodedSnapshotBody> {
    if (!this.offThread) {
      try {
        return Promise.resolve(encodeSnapshotBody(frame, projectionsJson));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const seq = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      const worker = this.started();
      worker.ref();
      worker.postMessage({ seq, frame, projectionsJson });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_FILE);
    worker.on('message', (m: { seq: number; text?: string; digest?: Uint8Array; error?: string }) => {
      const request = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      if (this.pending.size === 0) worker.unref(); // an idle encoder does not keep the process alive
      if (!request) return;
      if (m.error !== undefined || typeof m.text !== 'string' || !(m.digest instanceof Uint8Array)) request.reject(new Error(`the snapshot encoder failed: ${m.error ?? 'a malformed answer'}`));
      else request.resolve({ text: m.text, digest: m.digest });
    });
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const request of this.pending.values()) request.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(new Error(`the snapshot encoder failed: ${error.message}`)));
    worker.on('exit', (code) => failAll(new Error(`the snapshot encoder exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
