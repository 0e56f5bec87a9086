import { sha256 } from '../hashing';
import { SignedTestLog } from '../testing/signed-test-log';
import { openCheckpoint } from './checkpoint';
import { cosignatureV1SignerFromSeed, cosignatureV1Verifier, cosignaturesOf } from './cosignature';
import { nodeEd25519 } from './ed25519';
import { ed25519NoteVerifier, formatVerifierKey, NOTE_SIG_COSIGNATURE_V1 } from './note-keys';
import { decideWitnessCheckpoint, type WitnessedState } from './witness-decision';

/** given (what the witness recorded) → when (a checkpoint with a proof) → then (cosigned, or refused with a reason). */
describe('decideWitnessCheckpoint', () => {
  const witnessSeed = sha256('unit witness');
  const cosigner = cosignatureV1SignerFromSeed('witness.test/unit', witnessSeed, () => 1_800_000_123);
  const witnessVkey = formatVerifierKey('witness.test/unit', NOTE_SIG_COSIGNATURE_V1, nodeEd25519.fromSeed(witnessSeed).publicKey);
  const entries = (from: number, to: number, tag = 'e') => Array.from({ length: to - from }, (_, i) => `${tag} ${from + i}`);
  const makeLog = () => new SignedTestLog('log.test/a', 'log seed');
  const recordedAt = (log: SignedTestLog, size: number): WitnessedState => ({ size, rootHash: log.root(size) });

  it('cosigns a first checkpoint (old size 0) and one that grew from the recorded size with a valid proof', () => {
    const log = makeLog().append(...entries(0, 5));
    const first = decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), recorded: undefined, oldSize: 0, proof: [], note: log.checkpoint() }, cosigner);
    expect(first).toMatchObject({ ok: true, next: { size: 5 } });
    log.append(...entries(5, 13));
    const grown = decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), recorded: recordedAt(log, 5), oldSize: 5, proof: log.consistency(5), note: log.checkpoint() }, cosigner);
    expect(grown.ok).toBe(true);
    if (!grown.ok) return;
    expect(grown.next).toEqual({ size: 13, rootHash: log.root(13) });
    const opened = openCheckpoint(grown.cosignedNote, { log: ed25519NoteVerifier(log.vkey), others: [cosignatureV1Verifier(witnessVkey)] });
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(cosignaturesOf(opened.verified, [cosignatureV1Verifier(witnessVkey)])).toEqual([{ name: 'witness.test/unit', keyId: cosigner.keyId, timestamp: 1_800_000_123 }]);
    expect(grown.cosignatureLines).toMatch(/^\u2014 witness\.test\/unit [A-Za-z0-9+/=]+\n$/);
    expect(grown.cosignedNote.endsWith(grown.cosignatureLines)).toBe(true);
  });

  it('re-cosigns the recorded checkpoint itself (same size, same root, empty proof)', () => {
    const log = makeLog().append(...entries(0, 4));
    expect(decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), recorded: recordedAt(log, 4), oldSize: 4, proof: [], note: log.checkpoint() }, cosigner).ok).toBe(true);
  });

  it('refuses a rollback: a smaller tree than the recorded one', () => {
    const log = makeLog().append(...entries(0, 9));
    const decision = decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), recorded: recordedAt(log, 9), oldSize: 9, proof: [], note: log.checkpoint(6) }, cosigner);
    expect(decision).toMatchObject({ ok: false, code: 'WITNESS.ROLLBACK', recordedSize: 9 });
  });

  it('refuses a fork: the recorded size with another root, and a bigger tree that does not extend the recorded one', () => {
    const log = makeLog().append(...entries(0, 6));
    const fork = makeLog().append(...entries(0, 3), ...entries(3, 10, 'forked'));
    const sameSize = decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), recorded: recordedAt(log, 6), oldSize: 6, proof: [], note: fork.checkpoint(6) }, cosigner);
    expect(sameSize).toMatchObject({ ok: false, code: 'WITNESS.FORK' });
    const bigger = decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), recorded: recordedAt(log, 6), oldSize: 6, proof: fork.consistency(6), note: fork.checkpoint() }, cosigner);
    expect(bigger).toMatchObject({ ok: false, code: 'WITNESS.INCONSISTENT' });
    expect((bigger as { detail: string }).detail).toContain('MERKLE.ROOT_MISMATCH');
  });

  it('refuses a checkpoint the log did not sign, one of another origin, and a start from a size it has not recorded', () => {
    const log = makeLog().append(...entries(0, 5));
    const impostor = new SignedTestLog('log.test/a', 'another key').append(...entries(0, 5));
    expect(decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), recorded: undefined, oldSize: 0, proof: [], note: impostor.checkpoint() }, cosigner)).toMatchObject({ ok: false, code: 'WITNESS.BAD_CHECKPOINT' });
    expect(decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), origin: 'log.test/b', recorded: undefined, oldSize: 0, proof: [], note: log.checkpoint() }, cosigner)).toMatchObject({ ok: false, code: 'WITNESS.BAD_CHECKPOINT' });
    expect(decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), recorded: recordedAt(log, 2), oldSize: 3, proof: log.consistency(3), note: log.checkpoint() }, cosigner)).toMatchObject({ ok: false, code: 'WITNESS.OLD_SIZE_MISMATCH', recordedSize: 2 });
    expect(decideWitnessCheckpoint({ log: ed25519NoteVerifier(log.vkey), recorded: undefined, oldSize: 0, proof: log.consistency(2), note: log.checkpoint() }, cosigner)).toMatchObject({ ok: false, code: 'WITNESS.INCONSISTENT' });
  });
});
