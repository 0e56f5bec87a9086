import { sign, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { SignatureQueue } from './signature-queue';

const HASH_BYTES = 32;
const SIGNATURE_BYTES = 64;

/**
 * The worker's whole program: Ed25519 over each 32-byte hash of a batch, one reply per batch, in
 * order. Plain JavaScript with node: built-ins only, so it runs the same from dist/ and under jest.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { sign } = require('node:crypto');
const key = workerData.privateKey;
parentPort.on('message', (hashes) => {
  const count = hashes.length / ${HASH_BYTES};
  const signatures = new Uint8Array(count * ${SIGNATURE_BYTES});
  for (let i = 0; i < count; i += 1) {
    signatures.set(sign(null, hashes.subarray(i * ${HASH_BYTES}, (i + 1) * ${HASH_BYTES}), key), i * ${SIGNATURE_BYTES});
  }
  parentPort.postMessage(signatures, [signatures.buffer]);
});
`;

interface Request {
  hashes: readonly Uint8Array[];
  deliver: (signatures: Uint8Array[]) => void;
  fail: (error: unknown) => void;
}

/**
 * Signs on a worker thread, so that the event loop only hashes and commits. Requests of one tick
 * go to the worker in small batches, answered in order (one worker, one message queue): the
 * first appends of a round commit while the worker still signs the last, so the two threads
 * overlap instead of taking turns. The first request of a tick that finds the worker idle
 * (nothing queued, nothing in flight: a lone writer) is signed at once on the calling thread: a
 * round trip to the worker would only add latency, and no earlier request can be overtaken. A
 * background request (nobody waits on it) is signed inline too when the worker is idle, but does
 * not use up the tick's inline signature: an outcome recorded in a setImmediate callback would
 * otherwise make the next call's decision, arriving before that tick's reset ran, take the round
 * trip (measured with a stdio upstream: half the decisions went to the worker, ~90 µs of
 * postMessage each on the event loop of a loaded 2-core host).
 * If the worker fails, every request in flight rejects and the next batch starts a new worker.
 */
export class WorkerSignatures implements SignatureQueue {
  private worker: Worker | null = null;
  private queued: Request[] = [];
  private readonly inFlight: Request[][] = [];
  private flushScheduled = false;
  private signedInlineThisTick = false;
  private closed = false;

  constructor(
    readonly kid: string,
    private readonly privateKey: KeyObject,
    /** Most hashes per message to the worker (measured: 4–16 pipeline well; 64 stalls the loop). */
    private readonly batchSize = 8,
  ) {
    if (privateKey.asymmetricKeyType !== 'ed25519' || privateKey.type !== 'private') {
      throw new TypeError('WorkerSignatures needs an Ed25519 private key');
    }
  }

  sign<T>(hashes: readonly Uint8Array[], then: (signatures: Uint8Array[]) => Promise<T>, background = false): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the signature worker is closed'));
    if (!hashes.every((hash) => hash.length === HASH_BYTES)) return Promise.reject(new TypeError(`hashes must be ${HASH_BYTES} bytes`));
    if (this.queued.length === 0 && this.inFlight.length === 0 && (background || !this.signedInlineThisTick)) {
      if (!background && !this.signedInlineThisTick) {
        this.signedInlineThisTick = true;
        setImmediate(() => (this.signedInlineThisTick = false));
      }
      try {
        return then(hashes.map((hash) => new Uint8Array(sign(null, hash, this.privateKey))));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<T>((resolve, reject) => {
      const deliver = (signatures: Uint8Array[]) => {
        try {
          resolve(then(signatures));
        } catch (error) {
          reject(error);
        }
      };
      this.queued.push({ hashes, deliver, fail: reject });
      this.scheduleFlush();
    });
  }

  /** Requests already queued are signed first. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.queued.length > 0 || this.inFlight.length > 0) await new Promise((resolve) => setImmediate(resolve));
    await this.worker?.terminate();
    this.worker = null;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queued.length > 0) {
      const batch = this.takeBatch();
      const hashes = new Uint8Array(batch.reduce((n, request) => n + request.hashes.length, 0) * HASH_BYTES);
      let offset = 0;
      for (const request of batch) {
        for (const hash of request.hashes) {
          hashes.set(hash, offset);
          offset += HASH_BYTES;
        }
      }
      this.inFlight.push(batch);
      const worker = this.startedWorker();
      worker.ref(); // awaited answers keep the process alive
      worker.postMessage(hashes, [hashes.buffer]);
    }
  }

  /** Small batches: the first signatures come back (and their appends commit) while the worker signs the next. */
  private takeBatch(): Request[] {
    let count = 0;
    let taken = 0;
    while (taken < this.queued.length && (taken === 0 || count + this.queued[taken].hashes.length <= this.batchSize)) {
      count += this.queued[taken].hashes.length;
      taken += 1;
    }
    return this.queued.splice(0, taken);
  }

  private startedWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { privateKey: this.privateKey } });
    worker.on('message', (signatures: Uint8Array) => this.answer(signatures));
    worker.on('error', (error) => this.failAll(worker, error));
    worker.on('exit', (code) => this.failAll(worker, new Error(`the signature worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private answer(signatures: Uint8Array): void {
    const batch = this.inFlight.shift();
    if (this.inFlight.length === 0) this.worker?.unref(); // an idle signer does not keep the process alive
    if (!batch) return;
    let offset = 0;
    for (const request of batch) {
      const own = request.hashes.map(() => {
        const signature = signatures.subarray(offset, offset + SIGNATURE_BYTES);
        offset += SIGNATURE_BYTES;
        return signature;
      });
      if (own.some((signature) => signature.length !== SIGNATURE_BYTES)) request.fail(new Error('the signature worker answered short'));
      else request.deliver(own);
    }
  }

  private failAll(worker: Worker, error: unknown): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const batch of this.inFlight.splice(0)) for (const request of batch) request.fail(error);
  }
}
