import type { KeyManager } from './key-manager/key-manager.port';
import { VaultKeyError } from './key-manager/key-manager.port';
import { recordAad } from './sealed-credential';
import type { VaultStore } from './vault-store';

/**
 * KEK rotation: every data key unwrapped by the current KEK and wrapped again by the new one, in
 * one transaction (all or none). The credential ciphertexts are not touched. A data key the
 * current KEK cannot open stops the rotation before anything is written, naming its record.
 */
export async function rotateKek(store: VaultStore, current: KeyManager, next: KeyManager): Promise<{ rewrapped: number }> {
  if (current.keyId === next.keyId) throw new VaultKeyError(`the new KEK is the current one (${current.keyId})`);
  const rows = [];
  for (const sealed of store.all()) {
    const aad = recordAad(sealed);
    let dataKey: Buffer;
    try {
      dataKey = await current.unwrap(sealed.wrappedKey, aad);
    } catch {
      throw new VaultKeyError(`the current KEK cannot open the data key of server ${sealed.serverId} version ${sealed.version}: nothing was rotated`);
    }
    try {
      rows.push({ serverId: sealed.serverId, version: sealed.version, keyId: next.keyId, wrappedKey: await next.wrap(dataKey, aad) });
    } finally {
      dataKey.fill(0);
    }
  }
  store.rewrap(rows);
  return { rewrapped: rows.length };
}
