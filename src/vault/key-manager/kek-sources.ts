import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { VaultKeyError, type KeyManager } from './key-manager.port';
import { KEK_BYTES, LocalKeyManager } from './local-key-manager';

/** WARDEN_VAULT_KEK: the KEK as base64 of 32 bytes (for secret stores that inject environment variables). */
export function kekFromEnvironment(value: string): LocalKeyManager {
  return new LocalKeyManager(decodeKek(value.trim(), 'WARDEN_VAULT_KEK'));
}

/**
 * WARDEN_VAULT_KEK_FILE: the KEK as base64 in a file of its owner's alone. Created (0600, its
 * directory 0700) only when `mayCreate` (the vault holds nothing yet); otherwise a missing file
 * stops the start: a new KEK could open none of the stored credentials.
 */
export function kekFromFile(file: string, mayCreate: boolean): { keys: LocalKeyManager; created: boolean } {
  if (!existsSync(file)) {
    if (!mayCreate) {
      throw new VaultKeyError(`the vault's key-encryption key ${file} is missing, and the vault holds credentials wrapped by a KEK: restore the file (or set WARDEN_VAULT_KEK_FILE / WARDEN_VAULT_KEK to it); a new KEK would open none of them`);
    }
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(KEK_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return { keys: readKekFile(file), created: true };
  }
  return { keys: readKekFile(file), created: false };
}

/**
 * The developer default while the vault is empty and no KEK file exists yet: the file is created
 * (0600) when the first credential is sealed, not at start, so that a node that never stores a
 * credential leaves no key behind. A file that cannot be created fails that write, naming the path.
 */
export function kekFileOnFirstUse(file: string): KeyManager {
  let keys: LocalKeyManager | undefined;
  const ready = (): LocalKeyManager => {
    if (keys) return keys;
    try {
      keys = kekFromFile(file, true).keys;
    } catch (error) {
      if (error instanceof VaultKeyError) throw error;
      throw new VaultKeyError(`the vault's key-encryption key ${file} could not be created: ${(error as Error).message}`);
    }
    return keys;
  };
  return {
    get keyId() {
      return ready().keyId;
    },
    wrap: async (dataKey, aad) => ready().wrap(dataKey, aad),
    unwrap: async (wrapped, aad) => ready().unwrap(wrapped, aad),
  };
}

function readKekFile(file: string): LocalKeyManager {
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new VaultKeyError(`the vault's key-encryption key ${file} may be read by others (mode ${(statSync(file).mode & 0o777).toString(8)}): chmod 600 it`);
  }
  return new LocalKeyManager(decodeKek(readFileSync(file, 'utf8').trim(), file));
}

function decodeKek(text: string, source: string): Buffer {
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (bytes.length !== KEK_BYTES) throw new VaultKeyError(`${source} must hold a ${KEK_BYTES}-byte key as base64 (e.g. \`openssl rand -base64 32\`)`);
  return bytes;
}
