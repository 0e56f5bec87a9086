import { join } from 'node:path';
import type { WardenConfig } from '../config/warden-config';
import { existsSync } from 'node:fs';
import { kekFileOnFirstUse, kekFromEnvironment, kekFromFile } from './key-manager/kek-sources';
import { VaultKeyError, type KeyManager } from './key-manager/key-manager.port';
import { VaultStore } from './vault-store';

export function vaultFile(dataDir: string): string {
  return join(dataDir, 'vault.db');
}

/**
 * The KEK the config names, checked against the vault: every stored data key must be wrapped by
 * it (a missing or different KEK stops the start; nothing is regenerated). While the vault holds
 * nothing and the KEK file does not exist, it is created (0600) when the first credential is stored.
 */
export function vaultKeys(config: Pick<WardenConfig, 'vaultKek' | 'vaultKekFile'>, store: VaultStore): KeyManager {
  const stored = store.keyIds();
  if (config.vaultKek === undefined && stored.length === 0 && !existsSync(config.vaultKekFile)) return kekFileOnFirstUse(config.vaultKekFile);
  const keys = config.vaultKek !== undefined ? kekFromEnvironment(config.vaultKek) : kekFromFile(config.vaultKekFile, false).keys;
  const foreign = stored.filter((id) => id !== keys.keyId);
  if (foreign.length > 0) {
    const source = config.vaultKek !== undefined ? 'WARDEN_VAULT_KEK' : config.vaultKekFile;
    throw new VaultKeyError(
      `the vault's credentials are wrapped by KEK ${foreign.join(', ')}, but ${source} holds KEK ${keys.keyId}: point WARDEN_VAULT_KEK_FILE (or WARDEN_VAULT_KEK) at the right key (after \`warden vault rotate-kek\`, at the new one)`,
    );
  }
  return keys;
}

export function openVaultStore(dataDir: string): VaultStore {
  return new VaultStore(vaultFile(dataDir));
}
