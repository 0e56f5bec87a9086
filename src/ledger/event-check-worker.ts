import { parentPort, workerData } from 'node:worker_threads';
import { checkStoredEvent, fromBase64Url, type KeyResolver } from '@warden/ledger';

/** Checks hashes and signatures of batches of stored events, in parallel with other workers. */
const keys = new Map<string, Uint8Array>((workerData.keys as Array<[string, string]>).map(([kid, b64]) => [kid, fromBase64Url(b64)]));
const resolve: KeyResolver = (kid) => keys.get(kid);

parentPort!.on('message', (batch: { seq: number; events: string }) => {
  const events = JSON.parse(batch.events) as Array<{ position: number; stream: string; revision: number; id: string; type: string; data: unknown }>;
  parentPort!.postMessage({ seq: batch.seq, checks: events.map((e) => checkStoredEvent(e, resolve)) });
});
