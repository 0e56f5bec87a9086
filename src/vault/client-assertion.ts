import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/** RFC 7523 §2.2: how a client assertion is named in the token request. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How long an assertion warden makes is valid: enough for one token request, short for a replay. */
const ASSERTION_LIFETIME_S = 60;
const MIN_RSA_BITS = 2048;

export type AssertionAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/** A client's private key for private_key_jwt, checked: its PKCS#8 PEM and the algorithm it signs with. */
export interface AssertionKey {
  pem: string;
  alg: AssertionAlgorithm;
}

/** OpenSSL's names of the NIST curves (P-256, P-384, P-521). */
const CURVE_ALGORITHMS: Record<string, AssertionAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/**
 * Parses an operator's private key (PEM: PKCS#8, or PKCS#1 / SEC 1) into the PKCS#8 form the vault
 * keeps, and the JWS algorithm it signs with: RSA (at least 2048 bits) RS256, EC P-256 / P-384 /
 * P-521 ES256 / ES384 / ES512, Ed25519 EdDSA. Throws a message that names no part of the key.
 */
export function parseAssertionKey(pem: string): AssertionKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('privateKey must be a PEM private key (PKCS#8, PKCS#1 or SEC 1), unencrypted');
  }
  const details = key.asymmetricKeyDetails ?? {};
  let alg: AssertionAlgorithm | undefined;
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) throw new Error(`privateKey: an RSA key has at least ${MIN_RSA_BITS} bits`);
    alg = 'RS256';
  } else if (key.asymmetricKeyType === 'ec') {
    alg = CURVE_ALGORITHMS[details.namedCurve ?? ''];
  } else if (key.asymmetricKeyType === 'ed25519') {
    alg = 'EdDSA';
  }
  if (!alg) throw new Error('privateKey must be an RSA, EC (P-256, P-384, P-521) or Ed25519 key');
  return { pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), alg };
}

export interface ClientAssertionRequest {
  clientId: string;
  key: AssertionKey;
  /** JWS `kid`, when the authorization server knows the client's keys by id. */
  keyId?: string;
  /** Who the assertion is for: the token endpoint URL, or the authorization server's issuer identifier. */
  audience: string;
  now: () => number;
}

/**
 * A client assertion (RFC 7523 §3, RFC 7521): a JWT signed with the client's private key, iss = sub
 * = client_id, aud = the authorization server, a fresh jti, issued now, expiring a minute later.
 */
export async function clientAssertion(request: ClientAssertionRequest): Promise<string> {
  const issuedAt = Math.floor(request.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: request.key.alg, typ: 'JWT', ...(request.keyId === undefined ? {} : { kid: request.keyId }) })
    .setIssuer(request.clientId)
    .setSubject(request.clientId)
    .setAudience(request.audience)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ASSERTION_LIFETIME_S)
    .sign(createPrivateKey(request.key.pem));
}
