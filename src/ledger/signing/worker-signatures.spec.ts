import { createPrivateKey, randomBytes } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { createEd25519Signer, generateEd25519KeyPair, publicKeyObjectFromRaw } from '@warden/ledger';
import { verify } from 'node:crypto';
import { WorkerSignatures } from './worker-signatures';

describe('WorkerSignatures', () => {
  const pair = generateEd25519KeyPair();
  const signer = createEd25519Signer(pair.privateKeyPem);
  const publicKey = publicKeyObjectFromRaw(pair.publicKey);
  let signatures: WorkerSignatures;

  beforeEach(() => {
    signatures = new WorkerSignatures(signer.kid, createPrivateKey(pair.privateKeyPem));
  });
  afterEach(() => signatures.close());

  it('signs every hash with the node key and hands the signatures back in request order', async () => {
    const requests = Array.from({ length: 50 }, (_, i) => Array.from({ length: 1 + (i % 3) }, () => randomBytes(32)));
    const order: number[] = [];
    const results = await Promise.all(
      requests.map((hashes, i) =>
        signatures.sign(hashes, async (sigs) => {
          order.push(i);
          return sigs;
        }),
      ),
    );
    expect(order).toEqual(requests.map((_, i) => i));
    results.forEach((sigs, i) => {
      expect(sigs).toHaveLength(requests[i].length);
      sigs.forEach((sig, j) => {
        expect(verify(null, requests[i][j], publicKey, sig)).toBe(true);
        expect(Buffer.from(sig)).toEqual(Buffer.from(signer.sign(requests[i][j]))); // Ed25519 is deterministic
      });
    });
  });

  it('signs a lone request at once on the calling thread (no round trip), and still in order with a burst behind it', async () => {
    const lone = randomBytes(32);
    const [sig] = await signatures.sign([lone], async (sigs) => sigs);
    expect(verify(null, lone, publicKey, sig)).toBe(true);
    expect((signatures as unknown as { worker: Worker | null }).worker).toBeNull();
    const order: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => signatures.sign([randomBytes(32)], async () => void order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((signatures as unknown as { worker: Worker | null }).worker).not.toBeNull();
  });

  it('signs a background request inline when the worker is idle without using up the tick: the next request of the tick is inline too', async () => {
    const worker = () => (signatures as unknown as { worker: Worker | null }).worker;
    const background = randomBytes(32);
    const urgent = randomBytes(32);
    // Both in the same tick, as an outcome recorded in a setImmediate callback and the next decision can be.
    const [[bgSig], [urgentSig]] = await Promise.all([signatures.sign([background], async (sigs) => sigs, true), signatures.sign([urgent], async (sigs) => sigs)]);
    expect(verify(null, background, publicKey, bgSig)).toBe(true);
    expect(verify(null, urgent, publicKey, urgentSig)).toBe(true);
    expect(worker()).toBeNull();
    // Without the hint, the second request of a tick goes to the worker.
    await Promise.all([signatures.sign([randomBytes(32)], async () => undefined), signatures.sign([randomBytes(32)], async () => undefined)]);
    expect(worker()).not.toBeNull();
  });

  it('fails closed when the worker dies: requests in flight reject without their continuation, later ones get a new worker', async () => {
    await Promise.all([1, 2].map(() => signatures.sign([randomBytes(32)], async () => undefined))); // the worker is up
    const continued: number[] = [];
    const inFlight = Array.from({ length: 20 }, (_, i) => signatures.sign([randomBytes(32)], async () => void continued.push(i)));
    await new Promise((resolve) => setImmediate(resolve)); // flushed to the worker
    await (signatures as unknown as { worker: Worker }).worker.terminate();
    const settled = await Promise.allSettled(inFlight);
    // the first of the tick was signed inline; the others were in the dead worker
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', ...Array(19).fill('rejected')]);
    expect(continued).toEqual([0]);
    const hash = randomBytes(32);
    const [[sig]] = await Promise.all([hash, randomBytes(32)].map((h) => signatures.sign([h], async (sigs) => sigs)));
    expect(verify(null, hash, publicKey, sig)).toBe(true);
    expect((signatures as unknown as { worker: Worker | null }).worker).not.toBeNull();
  });

  it('rejects a continuation that throws, and requests after close', async () => {
    await expect(signatures.sign([randomBytes(32)], () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    await signatures.close();
    await expect(signatures.sign([randomBytes(32)], async () => undefined)).rejects.toThrow(/closed/);
  });

  it('refuses a key that is not an Ed25519 private key, and hashes that are not 32 bytes', async () => {
    expect(() => new WorkerSignatures('kid', publicKeyObjectFromRaw(pair.publicKey))).toThrow(TypeError);
    await expect(signatures.sign([randomBytes(31)], async () => undefined)).rejects.toThrow(TypeError);
  });
});
