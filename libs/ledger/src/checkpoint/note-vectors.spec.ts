import {
  ed25519NoteSignerFromSeed,
  ed25519NoteVerifier,
  formatVerifierKey,
  keyIdHex,
  NOTE_SIG_ED25519,
  nodeEd25519,
  openSignedNote,
  parseNotePrivateKey,
  parseSignedNote,
  parseVerifierKey,
  signNote,
  tweetnaclEd25519,
} from './index';

/**
 * Vectors transcribed (data only) from golang.org/x/mod/sumdb/note note_test.go (the
 * PeterNeumann and EnochRoot keys and their signed note) and from the C2SP signed-note.md
 * example (example.com/foo).
 */
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const C2SP_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const C2SP_NOTE = 'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

describe.each([
  ['node:crypto', nodeEd25519],
  ['tweetnacl', tweetnaclEd25519],
])('signed notes, Ed25519 through %s', (_label, ed25519) => {
  const peter = ed25519NoteVerifier(PETER_VKEY, ed25519);
  const enoch = ed25519NoteVerifier(ENOCH_VKEY, ed25519);

  it('signs the published text exactly as golang.org/x/mod/sumdb/note does', () => {
    const { name, seed, publicKey } = parseNotePrivateKey(PETER_SKEY, ed25519);
    expect(formatVerifierKey(name, NOTE_SIG_ED25519, publicKey)).toBe(PETER_VKEY);
    expect(signNote(TEXT, [ed25519NoteSignerFromSeed(name, seed, ed25519)])).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('verifies the C2SP example note and the Go notes; unknown keys are ignored, not trusted', () => {
    expect(openSignedNote(C2SP_NOTE, [ed25519NoteVerifier(C2SP_VKEY, ed25519)])).toMatchObject({ ok: true, text: 'This is an example message.\n' });
    const one = openSignedNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
    expect(one).toMatchObject({ ok: true, text: TEXT });
    if (!one.ok) throw new Error('unreachable');
    expect(one.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(one.unverified.map((s) => `${s.name}+${keyIdHex(s.keyId)}`)).toEqual(['EnochRoot+af0cfe78']);
    const both = openSignedNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch]);
    expect(both.ok && both.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(openSignedNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [])).toMatchObject({ ok: false, code: 'NOTE.NO_VERIFIED_SIGNATURE' });
  });

  it('rejects a tampered text, a tampered signature and a signature under a known key that fails', () => {
    expect(openSignedNote(`${TEXT.replace('answer', 'Answer')}\n${PETER_SIG}`, [peter])).toMatchObject({ ok: false, code: 'NOTE.BAD_SIGNATURE' });
    expect(openSignedNote(`${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, [peter])).toMatchObject({ ok: false, code: 'NOTE.BAD_SIGNATURE' });
    // a known key's bad signature rejects the note even when another known key signed it well
    expect(openSignedNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG.slice(0, 60)}ABCD${ENOCH_SIG.slice(60)}`, [peter, enoch])).toMatchObject({ ok: false, code: 'NOTE.BAD_SIGNATURE' });
    // same name, other key id (or the reverse): an unknown key, ignored
    expect(openSignedNote(`${TEXT}\n${PETER_SIG.replace('x08g', 'xxxx')}`, [peter])).toMatchObject({ ok: false, code: 'NOTE.NO_VERIFIED_SIGNATURE' });
    expect(openSignedNote(`${TEXT}\n${PETER_SIG.replace('PeterNeumann', 'CarmenSandiego')}`, [peter])).toMatchObject({ ok: false, code: 'NOTE.NO_VERIFIED_SIGNATURE' });
  });

  it('drops duplicate lines, refuses an ambiguous key set, and caps the signature count', () => {
    const dup = openSignedNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}`, [peter]);
    expect(dup.ok && [dup.verified.length, dup.unverified.length]).toEqual([1, 1]);
    expect(openSignedNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch])).toMatchObject({ ok: false, code: 'NOTE.AMBIGUOUS_KEY' });
    expect(openSignedNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch])).toMatchObject({ ok: true });
    expect(openSignedNote(`${TEXT}\n${PETER_SIG.repeat(16)}`, [peter])).toMatchObject({ ok: true });
    expect(openSignedNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter])).toMatchObject({ ok: false, code: 'NOTE.TOO_MANY_SIGNATURES' });
  });
});

describe('strict parsing', () => {
  const peter = ed25519NoteVerifier(PETER_VKEY);
  it.each([
    ['no blank line and no signature', TEXT],
    ['a blank line and no signature', `${TEXT}\n`],
    ['no final newline', `${TEXT}\n${PETER_SIG.slice(0, -1)}`],
    ['a control character', `\x01${TEXT}\n${PETER_SIG}`],
    ['a name with a space', `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`],
    ['a line after the signatures', `${TEXT}\n${PETER_SIG}Unexpected line.\n`],
    ['unpadded base64', `${TEXT}\n${PETER_SIG.replace('M=\n', 'M\n')}`],
    ['a signature of only a key id', `${TEXT}\n— PeterNeumann x08gow==\n`],
    ['a hyphen instead of the em dash', `${TEXT}\n${PETER_SIG.replace('—', '-')}`],
  ])('refuses %s as NOTE.MALFORMED', (_what, message) => {
    expect(openSignedNote(message, [peter])).toMatchObject({ ok: false, code: 'NOTE.MALFORMED' });
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = new Uint8Array([0xff, ...new TextEncoder().encode(`${TEXT}\n${PETER_SIG}`)]);
    expect(openSignedNote(bytes, [peter])).toMatchObject({ ok: false, code: 'NOTE.MALFORMED' });
    expect(openSignedNote(new TextEncoder().encode(`${TEXT}\n${PETER_SIG}`), [peter])).toMatchObject({ ok: true });
  });

  it('takes the text up to the last blank line, empty lines inside it included', () => {
    const text = 'a\n\nb\n';
    expect(parseSignedNote(`${text}\n${PETER_SIG}`).text).toBe(text);
  });

  it('accepts the published vkey and refuses every truncation and every one-character change of it', () => {
    expect(parseVerifierKey(PETER_VKEY)).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3, type: 1 });
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i !== 0 || j !== PETER_VKEY.length) expect(() => parseVerifierKey(PETER_VKEY.slice(i, j))).toThrow(expect.objectContaining({ code: 'NOTE.INVALID_KEY' }));
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const changed = PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expect(() => parseVerifierKey(changed)).toThrow(expect.objectContaining({ code: 'NOTE.INVALID_KEY' }));
    }
    // from note_test.go: a key of the wrong length and an unknown algorithm, each with a matching key id
    expect(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')).toThrow(expect.objectContaining({ code: 'NOTE.INVALID_KEY' }));
    expect(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(expect.objectContaining({ code: 'NOTE.INVALID_KEY' }));
  });
});
