import { generateEd25519KeyPair, createEd25519Signer } from '../keys';
import { rfc9162Hasher } from '../merkle';
import {
  cosignatureTimestamp,
  cosignatureV1Message,
  cosignatureV1SignerFromSeed,
  cosignatureV1Verifier,
  cosignaturesOf,
  cosignCheckpoint,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatCheckpoint,
  formatVerifierKey,
  fromBase64,
  NOTE_SIG_COSIGNATURE_V1,
  NOTE_SIG_ED25519,
  openCheckpoint,
  parseCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  tweetnaclEd25519,
  type Checkpoint,
} from './index';

const ROOT = rfc9162Hasher.hashLeaf(new TextEncoder().encode('root'));
const CHECKPOINT: Checkpoint = { origin: 'warden.example/acme', size: 20852163, rootHash: ROOT, extensions: [] };

function logKey(name = 'warden.example/acme') {
  const pair = generateEd25519KeyPair();
  const signer = ed25519NoteSigner(name, createEd25519Signer(pair.privateKeyPem));
  const vkey = formatVerifierKey(name, NOTE_SIG_ED25519, pair.publicKey);
  return { signer, vkey, verifier: ed25519NoteVerifier(vkey) };
}

describe('tlog-checkpoint bodies', () => {
  it('formats and parses the C2SP example body', () => {
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const parsed = parseCheckpoint(body);
    expect(parsed).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163, extensions: [] });
    expect(formatCheckpoint(parsed)).toBe(body);
    expect(parseCheckpoint(`${body}ext one\n`).extensions).toEqual(['ext one']);
  });

  it.each([
    ['no final newline', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='],
    ['two lines', 'o\n1\n'],
    ['an empty origin', '\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['a leading zero', 'o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['a signed size', 'o\n+1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['a size beyond 2^53', 'o\n18446744073709551615\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['bad base64', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n'],
    ['a root of 31 bytes', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n'],
    ['an empty extension line', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n'],
  ])('refuses %s', (_what, body) => {
    expect(() => parseCheckpoint(body)).toThrow(expect.objectContaining({ code: 'CHECKPOINT.MALFORMED' }));
  });
});

describe('signed checkpoints', () => {
  it('a checkpoint we sign verifies with our verifier, under node:crypto and tweetnacl', () => {
    const { signer, verifier, vkey } = logKey();
    const note = signCheckpoint(CHECKPOINT, [signer]);
    const opened = openCheckpoint(note, { log: verifier });
    expect(opened).toMatchObject({ ok: true, checkpoint: { origin: CHECKPOINT.origin, size: CHECKPOINT.size } });
    expect(opened.ok && opened.checkpoint.rootHash).toEqual(ROOT);
    const portable = ed25519NoteVerifier(parseVerifierKey(vkey), tweetnaclEd25519);
    expect(openCheckpoint(note, { log: portable }).ok).toBe(true);
  });

  it('rejects an edited size, root or origin, a checkpoint of another log, and one without the log signature', () => {
    const { signer, verifier } = logKey();
    const note = signCheckpoint(CHECKPOINT, [signer]);
    expect(openCheckpoint(note.replace('20852163', '20852164'), { log: verifier })).toMatchObject({ ok: false, code: 'NOTE.BAD_SIGNATURE' });
    const otherRoot = note.replace(formatCheckpoint(CHECKPOINT).split('\n')[2], formatCheckpoint({ ...CHECKPOINT, rootHash: rfc9162Hasher.emptyRoot }).split('\n')[2]);
    expect(openCheckpoint(otherRoot, { log: verifier })).toMatchObject({ ok: false, code: 'NOTE.BAD_SIGNATURE' });
    expect(openCheckpoint(note, { log: verifier, origin: 'warden.example/other' })).toMatchObject({ ok: false, code: 'CHECKPOINT.ORIGIN_MISMATCH' });
    const stranger = logKey();
    expect(openCheckpoint(note, { log: stranger.verifier })).toMatchObject({ ok: false, code: 'NOTE.NO_VERIFIED_SIGNATURE' });
    const witness = cosignatureV1SignerFromSeed('witness.example/w1', new Uint8Array(32).fill(7), () => 1_700_000_000);
    const witnessOnly = signCheckpoint(CHECKPOINT, [witness]);
    const witnessVerifier = cosignatureV1Verifier(formatVerifierKey(witness.name, NOTE_SIG_COSIGNATURE_V1, tweetnaclEd25519.fromSeed(new Uint8Array(32).fill(7)).publicKey));
    expect(openCheckpoint(witnessOnly, { log: verifier, others: [witnessVerifier] })).toMatchObject({ ok: false, code: 'NOTE.NO_VERIFIED_SIGNATURE' });
  });
});

describe('cosignature/v1', () => {
  const seed = new Uint8Array(32).map((_, i) => i + 1);
  const witnessPublic = tweetnaclEd25519.fromSeed(seed).publicKey;
  const witnessVkey = formatVerifierKey('witness.example/w1', NOTE_SIG_COSIGNATURE_V1, witnessPublic);

  it('signs "cosignature/v1\\ntime <ts>\\n" + the body, as key id ‖ u64 timestamp ‖ signature, and verifies', () => {
    const { signer, verifier } = logKey();
    const note = signCheckpoint(CHECKPOINT, [signer]);
    const cosigned = cosignCheckpoint(note, cosignatureV1SignerFromSeed('witness.example/w1', seed, () => 1679315147));
    const witness = cosignatureV1Verifier(witnessVkey);
    const opened = openCheckpoint(cosigned, { log: verifier, others: [witness] });
    expect(opened.ok).toBe(true);
    if (!opened.ok) throw new Error('unreachable');
    expect(cosignaturesOf(opened.verified, [witness])).toEqual([{ name: 'witness.example/w1', keyId: witness.keyId, timestamp: 1679315147 }]);
    const sig = opened.verified[1].signature;
    expect(sig.length).toBe(72);
    const message = cosignatureV1Message(1679315147, formatCheckpoint(CHECKPOINT));
    expect(new TextDecoder().decode(message)).toBe(`cosignature/v1\ntime 1679315147\n${formatCheckpoint(CHECKPOINT)}`);
    expect(tweetnaclEd25519.verifier(witnessPublic)(message, sig.subarray(8))).toBe(true);
  });

  it('rejects a cosignature whose timestamp was changed, and one checked as a plain note signature', () => {
    const { signer, verifier } = logKey();
    const cosigned = cosignCheckpoint(signCheckpoint(CHECKPOINT, [signer]), cosignatureV1SignerFromSeed('witness.example/w1', seed, () => 1679315147));
    const line = cosigned.trimEnd().split('\n').pop() as string;
    const bytes = fromBase64(line.split(' ')[2]);
    bytes[11] ^= 1; // last byte of the timestamp
    const edited = cosigned.replace(line, `${line.split(' ').slice(0, 2).join(' ')} ${Buffer.from(bytes).toString('base64')}`);
    expect(openCheckpoint(edited, { log: verifier, others: [cosignatureV1Verifier(witnessVkey)] })).toMatchObject({ ok: false, code: 'NOTE.BAD_SIGNATURE' });
    // a type-0x01 key for the same public key has another key id: the cosignature is simply unknown to it
    const asNoteKey = ed25519NoteVerifier(formatVerifierKey('witness.example/w1', NOTE_SIG_ED25519, witnessPublic));
    expect(openSignedNoteCount(cosigned, verifier, asNoteKey)).toBe(1);
  });

  it('derives the published cosignature key ids and reads the published timestamp (transparency-dev/formats note_cosigv1_test.go)', () => {
    expect(parseVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')).toMatchObject({ name: 'remora.n621.de', keyId: 0xda77ade7, type: 4 });
    expect(() => cosignatureV1Verifier('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')).not.toThrow();
    // a base64 key holding a plus sign (this failed before the vkey was cut at its first two plus signs only)
    expect(parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')).toMatchObject({ name: 'TEST', keyId: 0x7997405c, type: 1 });
    expect(() => cosignatureV1Verifier('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')).toThrow(expect.objectContaining({ code: 'NOTE.INVALID_KEY' }));
    const works = fromBase64('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==');
    expect(cosignatureTimestamp(works.subarray(4))).toBe(1727964367);
    const plainEd25519 = fromBase64('eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=');
    expect(() => cosignatureTimestamp(plainEd25519.subarray(4))).toThrow(expect.objectContaining({ code: 'COSIGNATURE.MALFORMED' }));
  });
});

function openSignedNoteCount(note: string, log: ReturnType<typeof ed25519NoteVerifier>, other: ReturnType<typeof ed25519NoteVerifier>): number {
  const opened = openCheckpoint(note, { log, others: [other] });
  return opened.ok ? opened.verified.length : -1;
}
