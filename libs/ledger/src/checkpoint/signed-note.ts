import { fromBase64, toBase64 } from './base64';
import { NoteError, noteFailure, type NoteFailure } from './errors';
import { assertKeyName, isValidKeyName, keyIdHex, type NoteSigner, type NoteVerifier } from './note-key-names';

/**
 * c2sp.org/signed-note: a text ending in a newline, a blank line, then one or more lines
 * "— <key name> base64(key id (4 bytes, big-endian) ‖ signature)". The whole note is UTF-8
 * without control characters other than the newline; the text is everything up to the last
 * blank line, its final newline included.
 */

/** Verifiers must accept 16 signatures; more than this many is refused as a malformed note. */
export const MAX_NOTE_SIGNATURES = 100;

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The signature bytes after the 4-byte key id. */
  signature: Uint8Array;
  /** The line's base64 (key id ‖ signature), as it appeared. */
  base64: string;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

export interface OpenedNote {
  ok: true;
  text: string;
  /** Signatures by known keys, each verified; one per key (duplicates of a verified line are dropped). */
  verified: NoteSignature[];
  /** Signatures by keys not configured, ignored as the spec requires (deduplicated). */
  unverified: NoteSignature[];
}

const EM_DASH_PREFIX = '\u2014 ';
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict parse; throws NoteError NOTE.MALFORMED / NOTE.TOO_MANY_SIGNATURES. Verifies nothing. */
export function parseSignedNote(message: string | Uint8Array): ParsedNote {
  const text = decode(message);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw malformed('a note holds no control characters other than newline');
  }
  if (!text.endsWith('\n')) throw malformed('a note ends with a newline');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2, -1).split('\n');
  if (lines.length === 1 && lines[0] === '') throw malformed('a note has at least one signature line');
  if (lines.length > MAX_NOTE_SIGNATURES) throw new NoteError('NOTE.TOO_MANY_SIGNATURES', `more than ${MAX_NOTE_SIGNATURES} signature lines`);
  return { text: body, signatures: lines.map(parseSignatureLine) };
}

export function formatSignatureLine(signature: Pick<NoteSignature, 'name' | 'keyId' | 'signature'>): string {
  assertKeyName(signature.name);
  const bytes = new Uint8Array(4 + signature.signature.length);
  new DataView(bytes.buffer).setUint32(0, signature.keyId);
  bytes.set(signature.signature, 4);
  return `${EM_DASH_PREFIX}${signature.name} ${toBase64(bytes)}\n`;
}

/** text + blank line + signature lines. The text must itself be a valid note text. */
export function formatSignedNote(text: string, signatures: ReadonlyArray<Pick<NoteSignature, 'name' | 'keyId' | 'signature'>>): string {
  assertNoteText(text);
  if (signatures.length === 0) throw malformed('a note has at least one signature line');
  if (signatures.length > MAX_NOTE_SIGNATURES) throw new NoteError('NOTE.TOO_MANY_SIGNATURES', `more than ${MAX_NOTE_SIGNATURES} signatures`);
  return `${text}\n${signatures.map(formatSignatureLine).join('')}`;
}

/**
 * Sign a text with each signer. Signatures in `keep` are carried over, except those by one of
 * the signers (same name and key id), which the new signature replaces.
 */
export function signNote(text: string, signers: readonly NoteSigner[], keep: readonly NoteSignature[] = []): string {
  assertNoteText(text);
  const bytes = utf8.encode(text);
  const fresh = signers.map((s) => {
    assertKeyName(s.name);
    return { name: s.name, keyId: s.keyId, signature: s.sign(bytes) };
  });
  const kept = keep.filter((k) => !signers.some((s) => s.name === k.name && s.keyId === k.keyId));
  return formatSignedNote(text, [...kept, ...fresh]);
}

/**
 * Parse and verify a note against the configured keys, as c2sp.org/signed-note says:
 * signatures by unknown keys are ignored; a signature by a known key must verify, else the
 * whole note is rejected (NOTE.BAD_SIGNATURE); at least one must verify
 * (NOTE.NO_VERIFIED_SIGNATURE). Two configured keys with one name and key id are refused if a
 * signature names them (NOTE.AMBIGUOUS_KEY). Never throws.
 */
export function openSignedNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote | NoteFailure {
  let parsed: ParsedNote;
  try {
    parsed = parseSignedNote(message);
  } catch (error) {
    if (error instanceof NoteError) return noteFailure(error.code, error.message);
    throw error;
  }
  const textBytes = utf8.encode(parsed.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const verifiedKeys = new Set<string>();
  const unverifiedLines = new Set<string>();
  for (const sig of parsed.signatures) {
    const keyLabel = `${sig.name}+${keyIdHex(sig.keyId)}`;
    const matching = verifiers.filter((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (matching.length > 1) return noteFailure('NOTE.AMBIGUOUS_KEY', `more than one configured key is ${keyLabel}`);
    if (matching.length === 0) {
      const line = `${keyLabel} ${sig.base64}`;
      if (!unverifiedLines.has(line)) {
        unverifiedLines.add(line);
        unverified.push(sig);
      }
      continue;
    }
    if (!matching[0].verify(textBytes, sig.signature)) return noteFailure('NOTE.BAD_SIGNATURE', `the signature by ${keyLabel} does not verify`);
    if (!verifiedKeys.has(keyLabel)) {
      verifiedKeys.add(keyLabel);
      verified.push(sig);
    }
  }
  if (verified.length === 0) return noteFailure('NOTE.NO_VERIFIED_SIGNATURE', 'no signature by a known key');
  return { ok: true, text: parsed.text, verified, unverified };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(EM_DASH_PREFIX)) throw malformed('a signature line starts with an em dash and a space');
  const rest = line.slice(EM_DASH_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed('a signature line is "— <name> <base64>"');
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw malformed('a signature line names an invalid key');
  const base64 = rest.slice(space + 1);
  const bytes = fromBase64(base64, 'NOTE.MALFORMED');
  if (bytes.length < 5) throw malformed('a signature is a 4-byte key id and at least one byte');
  const keyId = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  return { name, keyId, signature: bytes.subarray(4), base64 };
}

function assertNoteText(text: string): void {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw malformed('a note text ends with a newline');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw malformed('a note text holds no control characters other than newline');
  }
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) throw malformed('a note text is valid UTF-8 (no lone surrogates)');
}

function decode(message: string | Uint8Array): string {
  if (typeof message === 'string') {
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(message)) throw malformed('a note is valid UTF-8 (no lone surrogates)');
    return message;
  }
  if (!(message instanceof Uint8Array)) throw malformed('a note is text or UTF-8 bytes');
  try {
    return strictUtf8.decode(message);
  } catch {
    throw malformed('a note is valid UTF-8');
  }
}

function malformed(detail: string): NoteError {
  return new NoteError('NOTE.MALFORMED', detail);
}
