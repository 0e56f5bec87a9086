import { sha256 } from '../hashing';
import type { Signer } from '../keys';
import { fromBase64, toBase64 } from './base64';
import { defaultEd25519, type Ed25519Backend } from './ed25519';
import { NoteError } from './errors';
import { assertKeyName, isValidKeyName, keyIdHex, noteKeyIdWith, NOTE_SIG_COSIGNATURE_V1, NOTE_SIG_ED25519, type NoteKeyType, type NoteSigner, type NoteVerifier, type VerifierKey } from './note-key-names';

/**
 * c2sp.org/signed-note keys. A key is known by (name, key id); the key id is
 * SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] read as a big-endian uint32, the type byte
 * being 0x01 for Ed25519 note signatures and 0x04 for cosignature/v1 (c2sp.org/tlog-cosignature).
 * Verifier keys: `<name>+<8 hex key id>+<base64(type ‖ public key)>`.
 */

export * from './note-key-names';

const HEX8 = /^[0-9a-f]{8}$/;

export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  return noteKeyIdWith(sha256, name, type, publicKey);
}

export function formatVerifierKey(name: string, type: NoteKeyType, publicKey: Uint8Array): string {
  assertKeyName(name);
  const material = new Uint8Array(1 + publicKey.length);
  material[0] = type;
  material.set(publicKey, 1);
  return `${name}+${keyIdHex(noteKeyId(name, type, publicKey))}+${toBase64(material)}`;
}

/** Strict: three parts, lowercase 8-hex key id that matches the key, a known type, a 32-byte key. */
export function parseVerifierKey(vkey: string): VerifierKey {
  const parts = splitKey(vkey, 3);
  if (!parts) throw new NoteError('NOTE.INVALID_KEY', 'a verifier key is <name>+<key id>+<key>');
  const [name, idHex, material64] = parts;
  if (!isValidKeyName(name)) throw new NoteError('NOTE.INVALID_KEY', 'the verifier key has an invalid name');
  if (!HEX8.test(idHex)) throw new NoteError('NOTE.INVALID_KEY', 'the key id of a verifier key is 8 lowercase hex digits');
  const material = fromBase64(material64, 'NOTE.INVALID_KEY');
  const type = material[0];
  if (type !== NOTE_SIG_ED25519 && type !== NOTE_SIG_COSIGNATURE_V1) throw new NoteError('NOTE.INVALID_KEY', `unsupported signature type 0x${(type ?? 0).toString(16).padStart(2, '0')}`);
  const publicKey = material.subarray(1);
  if (publicKey.length !== 32) throw new NoteError('NOTE.INVALID_KEY', 'an Ed25519 verifier key holds 32 bytes');
  const keyId = noteKeyId(name, type, publicKey);
  if (keyIdHex(keyId) !== idHex) throw new NoteError('NOTE.INVALID_KEY', 'the key id does not match the key');
  return { name, keyId, type, publicKey: Uint8Array.from(publicKey) };
}

/** An Ed25519 (type 0x01) note verifier from a vkey or its parts. */
export function ed25519NoteVerifier(key: string | VerifierKey, ed25519: Ed25519Backend = defaultEd25519): NoteVerifier {
  const parsed = typeof key === 'string' ? parseVerifierKey(key) : key;
  if (parsed.type !== NOTE_SIG_ED25519) throw new NoteError('NOTE.INVALID_KEY', 'not an Ed25519 note key (type 0x01)');
  const check = ed25519.verifier(parsed.publicKey);
  return { name: parsed.name, keyId: noteKeyId(parsed.name, NOTE_SIG_ED25519, parsed.publicKey), verify: (text, signature) => check(text, signature) };
}

/** An Ed25519 note signer over one of the project's Signers (a node key): the key never leaves it. */
export function ed25519NoteSigner(name: string, signer: Pick<Signer, 'publicKey' | 'sign'>): NoteSigner {
  assertKeyName(name);
  return { name, keyId: noteKeyId(name, NOTE_SIG_ED25519, signer.publicKey), sign: (text) => Uint8Array.from(signer.sign(text)) };
}

/** The golang.org/x/mod/sumdb/note private key text `PRIVATE+KEY+<name>+<key id>+base64(type ‖ seed)`. */
export function parseNotePrivateKey(skey: string, ed25519: Ed25519Backend = defaultEd25519): { name: string; type: NoteKeyType; seed: Uint8Array; publicKey: Uint8Array } {
  const parts = splitKey(skey, 5);
  if (!parts || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw new NoteError('NOTE.INVALID_KEY', 'a private note key is PRIVATE+KEY+<name>+<key id>+<key>');
  const [, , name, idHex, material64] = parts;
  if (!isValidKeyName(name) || !HEX8.test(idHex)) throw new NoteError('NOTE.INVALID_KEY', 'the private note key has an invalid name or key id');
  const material = fromBase64(material64, 'NOTE.INVALID_KEY');
  const type = material[0];
  if (type !== NOTE_SIG_ED25519 && type !== NOTE_SIG_COSIGNATURE_V1) throw new NoteError('NOTE.INVALID_KEY', 'unsupported signature type');
  const seed = Uint8Array.from(material.subarray(1));
  const { publicKey } = ed25519.fromSeed(seed);
  if (keyIdHex(noteKeyId(name, type, publicKey)) !== idHex) throw new NoteError('NOTE.INVALID_KEY', 'the key id does not match the key');
  return { name, type, seed, publicKey };
}

/** The private key text parseNotePrivateKey reads (a witness's or a log's key file). */
export function formatNotePrivateKey(name: string, type: NoteKeyType, seed: Uint8Array, ed25519: Ed25519Backend = defaultEd25519): string {
  assertKeyName(name);
  if (seed.length !== 32) throw new NoteError('NOTE.INVALID_KEY', 'an Ed25519 seed is 32 bytes');
  const material = new Uint8Array(33);
  material[0] = type;
  material.set(seed, 1);
  return `PRIVATE+KEY+${name}+${keyIdHex(noteKeyId(name, type, ed25519.fromSeed(seed).publicKey))}+${toBase64(material)}`;
}

/** An Ed25519 note signer from a seed (tests, tools; a running node signs through its Signer). */
export function ed25519NoteSignerFromSeed(name: string, seed: Uint8Array, ed25519: Ed25519Backend = defaultEd25519): NoteSigner {
  const pair = ed25519.fromSeed(seed);
  return ed25519NoteSigner(name, pair);
}

/** Split at the first count − 1 plus signs: names never hold one, base64 may. */
function splitKey(text: string, count: number): string[] | undefined {
  if (typeof text !== 'string') return undefined;
  const parts: string[] = [];
  let rest = text;
  for (let i = 0; i < count - 1; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}
