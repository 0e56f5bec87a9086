import { parentPort } from 'node:worker_threads';
import { encodeSnapshotBody, type ReadModelSnapshotBody } from '@warden/ledger';

/** Encodes (RFC 8785) and hashes read-model snapshot bodies off the event loop, one message each. */
parentPort!.on('message', (request: { seq: number; frame: Omit<ReadModelSnapshotBody, 'projections'>; projectionsJson: string }) => {
  try {
    const { text, digest } = encodeSnapshotBody(request.frame, request.projectionsJson);
    parentPort!.postMessage({ seq: request.seq, text, digest });
  } catch (error) {
    parentPort!.postMessage({ seq: request.seq, error: (error as Error).message ?? String(error) });
  }
});
