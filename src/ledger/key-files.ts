import { createPrivateKey, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEd25519Signer, generateEd25519KeyPair, type Signer } from '@warden/ledger';

/**
 * The deployment's root key (signs key registrations only) and this node's key (signs every
 * event the node writes). PEM files under <dataDir>/keys, created on first start with mode 0600.
 */
export interface NodeKeyring {
  root: Signer;
  node: Signer;
  /** The node's private key, for a signer on another thread (WorkerSignatures). */
  nodePrivateKey: KeyObject;
  /** true when the files were created by this call (first start). */
  created: boolean;
}

function loadOrCreate(file: string): { signer: Signer; privateKey: KeyObject; created: boolean } {
  if (existsSync(file)) {
    const pem = readFileSync(file, 'utf8');
    return { signer: createEd25519Signer(pem), privateKey: createPrivateKey(pem), created: false };
  }
  const pair = generateEd25519KeyPair();
  writeFileSync(file, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  writeFileSync(`${file}.pub`, pair.publicKeyPem, { mode: 0o644 });
  return { signer: createEd25519Signer(pair.privateKeyPem), privateKey: createPrivateKey(pair.privateKeyPem), created: true };
}

export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

export function loadNodeKeyring(dataDir: string, nodeId: string): NodeKeyring {
  const dir = keysDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const root = loadOrCreate(join(dir, 'root.key'));
  const node = loadOrCreate(join(dir, `${nodeId}.key`));
  return { root: root.signer, node: node.signer, nodePrivateKey: node.privateKey, created: root.created || node.created };
}

/** The master key that wraps the per-organisation payload keys (32 random bytes, 0600). */
export function loadOrCreateMasterKey(dataDir: string, randomBytes: (n: number) => Buffer): Buffer {
  const dir = keysDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
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
