import { LocalKeyManager } from './key-manager/local-key-manager';
import { openCredential, sealCredential } from './sealed-credential';

const kek = new LocalKeyManager(Buffer.alloc(32, 7));
const record = { org: 'org-1', serverId: 'srv-a', version: 1 };
const credential = { scheme: 'bearer' as const, token: 'tok-canary-4711' };

describe('sealed credentials (envelope encryption, AAD = org + server + version)', () => {
  it('opens what it sealed, and the ciphertext holds no byte run of the secret', async () => {
    const sealed = await sealCredential(kek, record, credential);
    expect(await openCredential(kek, record, sealed)).toEqual(credential);
    expect(Buffer.concat([sealed.ciphertext, sealed.wrappedKey]).includes(Buffer.from('canary'))).toBe(false);
    expect(sealed.keyId).toBe(kek.keyId);
  });

  it('uses a fresh data key per version (two seals of one secret share no wrapped key or ciphertext)', async () => {
    const a = await sealCredential(kek, record, credential);
    const b = await sealCredential(kek, record, credential);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it.each([
    ['another server', { ...record, serverId: 'srv-b' }],
    ['another organisation', { ...record, org: 'org-2' }],
    ['another version', { ...record, version: 2 }],
  ])('refuses a ciphertext moved to %s: VAULT.CREDENTIAL_UNREADABLE, the secret nowhere in the error', async (_what, other) => {
    const sealed = await sealCredential(kek, record, credential);
    const failure = await openCredential(kek, other, sealed).catch((e: Error & { code?: string }) => e);
    expect(failure).toMatchObject({ code: 'VAULT.CREDENTIAL_UNREADABLE' });
    expect(JSON.stringify(failure) + String(failure)).not.toContain('canary');
  });

  it('refuses under another KEK and after any altered byte', async () => {
    const sealed = await sealCredential(kek, record, credential);
    await expect(openCredential(new LocalKeyManager(Buffer.alloc(32, 8)), record, sealed)).rejects.toMatchObject({ code: 'VAULT.CREDENTIAL_UNREADABLE' });
    const altered = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext) };
    altered.ciphertext[0] ^= 1;
    await expect(openCredential(kek, record, altered)).rejects.toMatchObject({ code: 'VAULT.CREDENTIAL_UNREADABLE' });
  });
});
