import { parentPort } from 'node:worker_threads';
import { nodeBundleCrypto } from '@warden/ledger';

/** Ed25519 checks for `warden verify-export`, in batches, beside the main thread's parsing and hashing. */
const crypto = nodeBundleCrypto();

parentPort!.on('message', (batch: { seq: number; items: Array<[Uint8Array, Uint8Array, Uint8Array]> }) => {
  parentPort!.postMessage({ seq: batch.seq, results: batch.items.map(([k, m, s]) => crypto.verifyEd25519(k, m, s) as boolean) });
});
