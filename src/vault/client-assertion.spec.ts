import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { clientAssertion, parseAssertionKey } from './client-assertion';

type KeyType = 'rsa' | 'ec' | 'ed25519' | 'x25519';

/** A fresh key pair of `type`, the private key as PEM in `format`, the public key as SPKI PEM. */
function pemOf(type: KeyType, options: { modulusLength?: number; namedCurve?: string } = {}, format: 'pkcs8' | 'pkcs1' | 'sec1' = 'pkcs8'): { privateKey: string; publicKey: string } {
  const generate = generateKeyPairSync as unknown as (type: KeyType, options: object) => { privateKey: KeyObject; publicKey: KeyObject };
  const { privateKey, publicKey } = generate(type, options);
  return { privateKey: privateKey.export({ type: format, format: 'pem' }).toString(), publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

describe('private_key_jwt client assertions (RFC 7523)', () => {
  it('takes RSA ≥ 2048, EC P-256/P-384/P-521 and Ed25519 keys, each with its algorithm, kept as PKCS#8', () => {
    expect(parseAssertionKey(pemOf('rsa', { modulusLength: 2048 }).privateKey).alg).toBe('RS256');
    expect(parseAssertionKey(pemOf('ec', { namedCurve: 'P-256' }).privateKey).alg).toBe('ES256');
    expect(parseAssertionKey(pemOf('ec', { namedCurve: 'P-384' }).privateKey).alg).toBe('ES384');
    expect(parseAssertionKey(pemOf('ec', { namedCurve: 'P-521' }).privateKey).alg).toBe('ES512');
    expect(parseAssertionKey(pemOf('ed25519').privateKey).alg).toBe('EdDSA');
    const pkcs1 = pemOf('rsa', { modulusLength: 2048 }, 'pkcs1').privateKey;
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    expect(parseAssertionKey(pkcs1).pem).toContain('BEGIN PRIVATE KEY');
    const sec1 = pemOf('ec', { namedCurve: 'P-256' }, 'sec1').privateKey;
    expect(parseAssertionKey(sec1)).toMatchObject({ alg: 'ES256', pem: expect.stringContaining('BEGIN PRIVATE KEY') });
  });

  it.each([
    ['a 1024-bit RSA key', () => pemOf('rsa', { modulusLength: 1024 }).privateKey, /at least 2048 bits/],
    ['a curve JOSE has no algorithm for', () => pemOf('ec', { namedCurve: 'secp256k1' }).privateKey, /RSA, EC .* or Ed25519/],
    ['an X25519 key (no signatures)', () => pemOf('x25519').privateKey, /RSA, EC .* or Ed25519/],
    ['a public key', () => pemOf('ed25519').publicKey, /PEM private key/],
    ['no PEM at all', () => 'not a key', /PEM private key/],
  ])('refuses %s, naming no part of it', (_what, pem, message) => {
    const text = pem();
    let error: Error | undefined;
    try {
      parseAssertionKey(text);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain(text.split('\n')[1] ?? text);
  });

  it.each([['rsa', { modulusLength: 2048 }], ['ec', { namedCurve: 'P-256' }], ['ed25519', {}]] as const)(
    'signs a %s assertion the authorization server verifies: iss = sub = client_id, aud, a fresh jti, one minute of life, the kid',
    async (type, options) => {
      const { privateKey, publicKey } = pemOf(type, options);
      const key = parseAssertionKey(privateKey);
      const now = Date.UTC(2026, 11, 1, 12, 0, 0);
      const request = { clientId: 'warden-client', key, keyId: 'key-2026', audience: 'https://as.example/token', now: () => now };
      const [first, second] = [await clientAssertion(request), await clientAssertion(request)];
      const { payload, protectedHeader } = await jwtVerify(first, createPublicKey(publicKey), {
        issuer: 'warden-client',
        subject: 'warden-client',
        audience: 'https://as.example/token',
        currentDate: new Date(now + 30_000),
      });
      expect(protectedHeader).toEqual({ alg: key.alg, typ: 'JWT', kid: 'key-2026' });
      expect(payload.iat).toBe(now / 1000);
      expect(payload.exp).toBe(now / 1000 + 60);
      expect(payload.jti).toEqual(expect.any(String));
      const { payload: again } = await jwtVerify(second, createPublicKey(publicKey), { currentDate: new Date(now) });
      expect(again.jti).not.toBe(payload.jti);
      await expect(jwtVerify(first, createPublicKey(publicKey), { currentDate: new Date(now + 61_000) })).rejects.toThrow(/exp/);
      expect(decodeProtectedHeader(await clientAssertion({ ...request, keyId: undefined }))).toEqual({ alg: key.alg, typ: 'JWT' });
    },
  );
});
