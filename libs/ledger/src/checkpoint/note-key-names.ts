import { NoteError } from './errors';

/** Note key names, types and key-id text, free of node:crypto (the export verifier runs in a browser). */

export const NOTE_SIG_ED25519 = 0x01;
export const NOTE_SIG_COSIGNATURE_V1 = 0x04;
export type NoteKeyType = typeof NOTE_SIG_ED25519 | typeof NOTE_SIG_COSIGNATURE_V1;

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** Signature bytes over the note text (without the key id prefix). */
  sign(text: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export interface VerifierKey {
  name: string;
  keyId: number;
  type: NoteKeyType;
  publicKey: Uint8Array;
}

const NAME_FORBIDDEN = /[\s+]/u;

/** Key names are non-empty, without Unicode spaces or plus, and without control characters. */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !NAME_FORBIDDEN.test(name) && !hasControlCharacter(name) && !hasLoneSurrogate(name);
}

export function assertKeyName(name: string): void {
  if (!isValidKeyName(name)) throw new NoteError('NOTE.INVALID_KEY_NAME', 'a key name is non-empty, with no spaces, plus signs or control characters');
}

export function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/**
 * A signed-note key id: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] as a big-endian uint32,
 * with the SHA-256 given (node:crypto, WebCrypto-free pure code in a browser).
 */
export function noteKeyIdWith(sha256: (bytes: Uint8Array) => Uint8Array, name: string, type: number, publicKey: Uint8Array): number {
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = type;
  input.set(publicKey, nameBytes.length + 2);
  const digest = sha256(input);
  return ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
}
