import { join } from 'node:path';
import { canonicalJson, createEd25519Signer, generateEd25519KeyPair, signEncodedSnapshot, verifyReadModelSnapshot } from '@warden/ledger';
import { REPO_ROOT } from './support/tamper';

/** The compiled snapshot encoder (dist/, where its worker file exists) encodes off the event loop, to the same signed text. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SnapshotEncoder } = require(join(REPO_ROOT, 'dist/src/snapshots/snapshot-encoder'));

describe('the snapshot encoder worker', () => {
  const frame = { v: 2, position: 7, event: { id: 'e7', hash: 'ab'.repeat(32), org: 'o' }, heads: [], keys: [], takenAt: '2026-12-01T00:00:00.000Z', kid: 'k', logs: [], checkpoint: { log: 'o', origin: 'x', size: 8, rootHash: 'AA==', eventId: 'e8', eventPosition: 8, eventHash: 'cd'.repeat(32), leafIndex: 6, proof: [] } };
  const states = { b: { z: [1, 0.5, 'é'], a: null }, a: [[`w\u0002k`, 0, 3]] };

  it('encodes on a worker thread to the RFC 8785 text of the body, and its digest signs like one made inline', async () => {
    const onWorker = new SnapshotEncoder('worker');
    const inline = new SnapshotEncoder('inline');
    try {
      expect(onWorker.offThread).toBe(true);
      expect(inline.offThread).toBe(false);
      const encoded = await onWorker.encode(frame, JSON.stringify(states));
      expect(encoded.text).toBe(canonicalJson({ ...frame, projections: states }));
      expect(encoded).toEqual(await inline.encode(frame, JSON.stringify(states)));
      const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      expect(verifyReadModelSnapshot(signEncodedSnapshot(encoded, signer), signer.publicKey)).toBe(true);
      await expect(onWorker.encode({ ...frame, position: Number.NaN }, '{}')).rejects.toThrow(/the snapshot encoder failed/);
      expect((await onWorker.encode(frame, '{}')).text).toContain('"projections":{}'); // the worker goes on after a refusal
    } finally {
      await onWorker.close();
    }
  });
});
