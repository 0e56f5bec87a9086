import { verify, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { publicKeyObjectFromRaw } from '@warden/ledger';

/** Ed25519 checks for `warden verify-export`, in batches, beside the main thread's parsing and hashing. */
const keys = new Map<string, KeyObject>();

function check(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const id = Buffer.from(publicKey).toString('hex');
    let key = keys.get(id);
    if (!key) {
      key = publicKeyObjectFromRaw(publicKey);
      keys.set(id, key);
    }
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

parentPort!.on('message', (batch: { seq: number; items: Array<[Uint8Array, Uint8Array, Uint8Array]> }) => {
  parentPort!.postMessage({ seq: batch.seq, results: batch.items.map(([k, m, s]) => check(k, m, s)) });
});
