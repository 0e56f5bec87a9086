import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKeyManager } from './key-manager/local-key-manager';
import { rotateKek } from './rotate-kek';
import { openCredential, sealCredential } from './sealed-credential';
import { VaultStore } from './vault-store';

describe('KEK rotation on a real vault.db', () => {
  let dir: string;
  let store: VaultStore;
  const oldKek = new LocalKeyManager(Buffer.alloc(32, 1));
  const newKek = new LocalKeyManager(Buffer.alloc(32, 2));
  const a = { org: 'o', serverId: 'a', version: 1 };
  const b = { org: 'o', serverId: 'b', version: 3 };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-vault-'));
    store = new VaultStore(join(dir, 'vault.db'));
    store.put(await sealCredential(oldKek, a, { scheme: 'bearer', token: 'ta' }), 'now');
    store.put(await sealCredential(oldKek, b, { scheme: 'bearer', token: 'tb' }), 'now');
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-wraps every data key: the new KEK opens each credential, the old one none; ciphertexts unchanged', async () => {
    const before = store.all();
    expect(await rotateKek(store, oldKek, newKek)).toEqual({ rewrapped: 2 });
    const after = store.all();
    expect(after.map((s) => s.ciphertext)).toEqual(before.map((s) => s.ciphertext));
    expect(store.keyIds()).toEqual([newKek.keyId]);
    expect(await openCredential(newKek, a, store.get('a', 1)!)).toEqual({ scheme: 'bearer', token: 'ta' });
    expect(await openCredential(newKek, b, store.get('b', 3)!)).toEqual({ scheme: 'bearer', token: 'tb' });
    await expect(openCredential(oldKek, a, store.get('a', 1)!)).rejects.toMatchObject({ code: 'VAULT.CREDENTIAL_UNREADABLE' });
  });

  it('rotates nothing when one data key cannot be opened (a row moved from another record), naming it', async () => {
    const moved = store.get('a', 1)!;
    store.put({ ...moved, serverId: 'b', version: 3 }, 'now');
    await expect(rotateKek(store, oldKek, newKek)).rejects.toThrow('the current KEK cannot open the data key of server b version 3: nothing was rotated');
    expect(store.keyIds()).toEqual([oldKek.keyId]);
    await expect(rotateKek(store, oldKek, oldKek)).rejects.toThrow(/is the current one/);
  });
});
