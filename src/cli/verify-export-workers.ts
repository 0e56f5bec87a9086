import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BundleCrypto } from '@warden/ledger';

const WORKER_FILE = join(__dirname, 'verify-export-worker.js');

type Pending = { resolve: (ok: boolean[]) => void; reject: (error: unknown) => void };

/**
 * node:crypto with the Ed25519 checks spread over worker threads: the verifier core issues a
 * batch of checks, they are sent at the next microtask, split over the workers, and the core
 * parses and hashes the next batch meanwhile. SHA-256 stays on the main thread.
 */
export function workerBundleCrypto(workerCount: number): BundleCrypto & { close(): Promise<void> } {
  const workers: Worker[] = [];
  const pending = new Map<number, Pending>();
  let seq = 0;
  let queued: Array<{ item: [Uint8Array, Uint8Array, Uint8Array]; resolve: (ok: boolean) => void; reject: (e: unknown) => void }> = [];

  const workerAt = (index: number): Worker => {
    if (workers[index]) return workers[index];
    const worker = new Worker(WORKER_FILE);
    worker.on('message', (m: { seq: number; results: boolean[] }) => {
      pending.get(m.seq)?.resolve(m.results);
      pending.delete(m.seq);
    });
    worker.on('error', (error) => {
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    });
    workers[index] = worker;
    return worker;
  };

  const flush = (): void => {
    const batch = queued;
    queued = [];
    const share = Math.ceil(batch.length / workerCount);
    for (let w = 0; w * share < batch.length; w++) {
      const part = batch.slice(w * share, (w + 1) * share);
      const id = ++seq;
      pending.set(id, { resolve: (results) => part.forEach((p, i) => p.resolve(results[i] === true)), reject: (e) => part.forEach((p) => p.reject(e)) });
      workerAt(w).postMessage({ seq: id, items: part.map((p) => p.item) });
    }
  };

  return {
    name: 'node:crypto',
    sha256: (bytes) => createHash('sha256').update(bytes).digest(),
    verifyEd25519(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      return new Promise<boolean>((resolve, reject) => {
        if (queued.length === 0) queueMicrotask(flush);
        queued.push({ item: [publicKey, message, signature], resolve, reject });
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
