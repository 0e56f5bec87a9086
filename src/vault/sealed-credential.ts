import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { WardenError } from '../common/warden-error';
import type { Credential } from './credential-schemes';
import type { KeyManager } from './key-manager/key-manager.port';

/** Which record a ciphertext belongs to: bound into both AES-GCM layers as AAD. */
export interface CredentialRecord {
  org: string;
  serverId: string;
  version: number;
}

/** One credential version as stored: its own data key, wrapped by the KEK, and the sealed secret. */
export interface SealedCredential extends CredentialRecord {
  keyId: string;
  wrappedKey: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function recordAad(record: CredentialRecord): Buffer {
  return Buffer.from(`warden-vault/v1\n${record.org}\n${record.serverId}\n${record.version}`, 'utf8');
}

/** Envelope encryption: a fresh random 256-bit data key per version, AES-256-GCM, AAD = the record. */
export async function sealCredential(keys: KeyManager, record: CredentialRecord, credential: Credential): Promise<SealedCredential> {
  const dataKey = randomBytes(32);
  try {
    const aad = recordAad(record);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(credential), 'utf8'), cipher.final()]);
    const wrappedKey = await keys.wrap(dataKey, aad);
    return { ...record, keyId: keys.keyId, wrappedKey, iv, tag: cipher.getAuthTag(), ciphertext };
  } finally {
    dataKey.fill(0);
  }
}

/** The credential a record seals. A row moved to another record, a wrong KEK or any altered byte: VAULT.CREDENTIAL_UNREADABLE. */
export async function openCredential(keys: KeyManager, record: CredentialRecord, sealed: SealedCredential): Promise<Credential> {
  const aad = recordAad(record);
  let dataKey: Buffer | undefined;
  try {
    dataKey = await keys.unwrap(sealed.wrappedKey, aad);
    const decipher = createDecipheriv('aes-256-gcm', dataKey, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    const plaintext = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    return JSON.parse(plaintext.toString('utf8')) as Credential;
  } catch {
    throw unreadable(record);
  } finally {
    dataKey?.fill(0);
  }
}

export function unreadable(record: CredentialRecord): WardenError {
  return new WardenError('unavailable', 'VAULT.CREDENTIAL_UNREADABLE', `the vault cannot open version ${record.version} of this server's credential (altered, moved from another record, or wrapped by another key): the call is not made`, {
    version: record.version,
  });
}
