import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { kekFileOnFirstUse, kekFromEnvironment, kekFromFile } from './kek-sources';
import { VaultKeyError } from './key-manager.port';

describe('KEK sources', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'warden-kek-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the KEK file 0600 when the vault is empty, and reads the same key back', () => {
    const file = join(dir, 'sub', 'kek');
    const created = kekFromFile(file, true);
    expect(created.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(kekFromFile(file, false).keys.keyId).toBe(created.keys.keyId);
  });

  it('fails closed on a missing KEK when the vault holds credentials, naming the file', () => {
    expect(() => kekFromFile(join(dir, 'gone'), false)).toThrow(VaultKeyError);
    expect(() => kekFromFile(join(dir, 'gone'), false)).toThrow(/gone is missing/);
  });

  it('refuses a KEK file others may read, and one that is not 32 bytes of base64', () => {
    const file = join(dir, 'kek');
    writeFileSync(file, Buffer.alloc(32, 1).toString('base64'), { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(() => kekFromFile(file, false)).toThrow(/chmod 600/);
    chmodSync(file, 0o600);
    writeFileSync(file, Buffer.alloc(16, 1).toString('base64'));
    expect(() => kekFromFile(file, false)).toThrow(/32-byte key as base64/);
  });

  it('takes WARDEN_VAULT_KEK as base64 of 32 bytes, and refuses anything else', () => {
    expect(kekFromEnvironment(Buffer.alloc(32, 2).toString('base64')).keyId).toMatch(/^local:[0-9a-f]{16}$/);
    expect(() => kekFromEnvironment('not base64!')).toThrow(VaultKeyError);
    expect(() => kekFromEnvironment(Buffer.alloc(31).toString('base64'))).toThrow(VaultKeyError);
  });

  it('creates the developer-default KEK file only when the first data key is wrapped, 0600; an uncreatable path is a VaultKeyError naming it', async () => {
    const file = join(dir, 'lazy', 'kek');
    const keys = kekFileOnFirstUse(file);
    expect(existsSync(file)).toBe(false);
    const wrapped = await keys.wrap(Buffer.alloc(32, 3), Buffer.from('aad'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(kekFromFile(file, false).keys.keyId).toBe(keys.keyId);
    expect(await kekFromFile(file, false).keys.unwrap(wrapped, Buffer.from('aad'))).toEqual(Buffer.alloc(32, 3));
    writeFileSync(join(dir, 'plain-file'), '');
    await expect(kekFileOnFirstUse(join(dir, 'plain-file', 'kek')).wrap(Buffer.alloc(32), Buffer.alloc(0))).rejects.toThrow(/plain-file\/kek could not be created/);
  });
});
