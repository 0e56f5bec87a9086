import { createPrivateKey, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createEd25519Signer, generateEd25519KeyPair, keyIdOf, publicKeyFromPem, type Ed25519KeyPair, type Signer } from '@warden/ledger';

/**
 * Key files under <dataDir>/keys (directory 0700, private keys 0600):
 *   root.key.pub      the deployment root's PUBLIC key: what the node trusts key registrations by
 *   <nodeId>.key      this node's private key (signs every event the node writes), .pub beside it
 *   payload-master.key  wraps the per-organisation payload keys
 * The root's PRIVATE key is an offline key: the running node never loads it. `warden keys init`
 * writes it where the operator says; only the developer default (first start of an empty ledger
 * with no root at all) writes it to <dataDir>/keys/root.key, and says to move it.
 */

export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

export function rootPublicKeyFile(dataDir: string): string {
  return join(keysDir(dataDir), 'root.key.pub');
}

/** Where the developer default leaves the root private key (to be moved offline). */
export function developerRootKeyFile(dataDir: string): string {
  return join(keysDir(dataDir), 'root.key');
}

export function nodeKeyFile(dataDir: string, nodeId: string): string {
  return join(keysDir(dataDir), `${nodeId}.key`);
}

export function ensureKeysDir(dataDir: string): string {
  const dir = keysDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

export interface RootPublicKey {
  publicKey: Uint8Array;
  kid: string;
  file: string;
}

/** The root public key from a PEM file; undefined when the file does not exist. */
export function readRootPublicKey(file: string): RootPublicKey | undefined {
  if (!existsSync(file)) return undefined;
  let publicKey: Uint8Array;
  try {
    publicKey = publicKeyFromPem(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KeyFileError(`${file} is not an Ed25519 public key: ${(error as Error).message}`);
  }
  return { publicKey, kid: keyIdOf(publicKey), file };
}

export interface PrivateKeyFile {
  signer: Signer;
  privateKey: KeyObject;
  file: string;
}

/** A private key PEM (0600); undefined when the file does not exist. */
export function readPrivateKey(file: string): PrivateKeyFile | undefined {
  if (!existsSync(file)) return undefined;
  const pem = readFileSync(file, 'utf8');
  try {
    return { signer: createEd25519Signer(pem), privateKey: createPrivateKey(pem), file };
  } catch (error) {
    throw new KeyFileError(`${file} is not an Ed25519 private key: ${(error as Error).message}`);
  }
}

/**
 * Creates a new key pair at `file` (private, 0600, never overwritten) and `file.pub` (public).
 * `publicKeyFile` writes the public half elsewhere instead (the root's public key lives in the
 * data directory while its private key goes offline).
 */
export function createKeyFile(file: string, publicKeyFile = `${file}.pub`): PrivateKeyFile {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const pair = generateEd25519KeyPair();
  writeFileSync(file, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  writePublicKey(publicKeyFile, pair.publicKeyPem);
  return { signer: createEd25519Signer(pair.privateKeyPem), privateKey: createPrivateKey(pair.privateKeyPem), file };
}

/** Writes a public key PEM; refuses to replace a different key (nothing is regenerated silently). */
export function writePublicKey(file: string, pem: string): void {
  if (existsSync(file)) {
    const existing = readRootPublicKey(file)!;
    if (existing.kid !== keyIdOf(publicKeyFromPem(pem))) throw new KeyFileError(`${file} already holds another key (${existing.kid}); not replaced`);
    return;
  }
  writeFileSync(file, pem, { mode: 0o644, flag: 'wx' });
}

/** Puts a new node key in place (rotation), keeping the old one as <file>.old (0600). */
export function replaceNodeKeyFile(file: string, pair: Ed25519KeyPair): void {
  if (existsSync(file)) {
    renameSync(file, `${file}.old`);
    if (existsSync(`${file}.pub`)) renameSync(`${file}.pub`, `${file}.pub.old`);
  }
  writeFileSync(file, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  writeFileSync(`${file}.pub`, pair.publicKeyPem, { mode: 0o644, flag: 'wx' });
}

/** The master key that wraps the per-organisation payload keys (32 random bytes, 0600). */
export function loadOrCreateMasterKey(dataDir: string, randomBytes: (n: number) => Buffer): Buffer {
  const dir = ensureKeysDir(dataDir);
  const file = join(dir, 'payload-master.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return key;
  }
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return key;
}
