import { ChainVerifier } from '../chain-verifier';
import { KEY_REGISTERED_TYPE, KEY_REVOKED_TYPE, KEY_STREAM } from '../key-events';
import type { BundleCrypto } from './bundle-crypto';
import { bytesOfBase64Url, hexOf } from './bundle-bytes';
import { bundleKeyId, checkEnvelopeLine } from './bundle-envelope';
import { BundleFailureError, type BundleCheck } from './bundle-failure';
import { BUNDLE_FILES } from './bundle-format';

export interface BundleKey {
  publicKey: Uint8Array;
  /** `at` of its registration, and of its revocation when revoked. */
  registeredAt: string;
  revokedAt?: string;
  nodeId?: string;
}

export interface BundleKeyDirectory {
  rootKid: string;
  rootPublicKey: Uint8Array;
  keys: Map<string, BundleKey>;
}

const PIN = /^(?:ed25519:[0-9a-f]{32}|[0-9a-f]{64})$/;

/** The root key: the bundle's, if it matches the pin (a kid or the SHA-256 of the raw key). */
export function pinnedRoot(rootPublicKeyText: unknown, pin: string, crypto: BundleCrypto): Uint8Array {
  const wanted = typeof pin === 'string' ? pin.trim().toLowerCase() : '';
  if (!PIN.test(wanted)) fail('ROOT_KEY', BUNDLE_FILES.manifest, 'the root fingerprint to pin is ed25519:<32 hex> or 64 hex digits');
  const key = typeof rootPublicKeyText === 'string' ? bytesOfBase64Url(rootPublicKeyText) : undefined;
  if (!key || key.length !== 32) fail('ROOT_KEY', BUNDLE_FILES.manifest, 'the manifest has no 32-byte rootPublicKey (base64url)');
  if (wanted !== bundleKeyId(key, crypto) && wanted !== hexOf(crypto.sha256(key))) {
    fail('ROOT_KEY', BUNDLE_FILES.manifest, `the bundle's root key ${bundleKeyId(key, crypto)} is not the pinned root ${wanted}`);
  }
  return key;
}

/**
 * The key stream, whole and in order: every line a root-signed KeyRegistered or KeyRevoked of
 * the platform key stream, chained from seq 0. The first problem throws.
 */
export async function readKeyDirectory(lines: string[], root: Uint8Array, crypto: BundleCrypto): Promise<BundleKeyDirectory> {
  const rootKid = bundleKeyId(root, crypto);
  const keys = new Map<string, BundleKey>();
  const chain = new ChainVerifier();
  for (let i = 0; i < lines.length; i++) {
    const at = { line: i + 1 };
    const checked = checkEnvelopeLine(lines[i], crypto);
    if (!checked.ok) fail('KEY_EVENT', BUNDLE_FILES.keys, `${checked.check}: ${checked.detail}`, at.line, checked.eventId);
    const { env } = checked;
    const where = (detail: string): never => fail('KEY_EVENT', BUNDLE_FILES.keys, detail, at.line, env.id);
    if (env.kid !== rootKid) where(`signed by ${env.kid}, not by the root ${rootKid}`);
    if (!(await crypto.verifyEd25519(root, checked.hashBytes, checked.signature))) where('the root signature does not verify');
    if (env.stream !== KEY_STREAM) where(`on ${env.stream}, not ${KEY_STREAM}`);
    const link = chain.check(env);
    if (link) where(`${link.reason}: ${link.detail}`);
    const data = env.data as { kid?: unknown; publicKey?: unknown; reason?: unknown; nodeId?: unknown };
    if (env.type === KEY_REGISTERED_TYPE) {
      const publicKey = typeof data.publicKey === 'string' ? bytesOfBase64Url(data.publicKey) : undefined;
      if (!publicKey || publicKey.length !== 32 || data.kid !== bundleKeyId(publicKey, crypto)) where('a registration whose kid is not its public key\u2019s');
      if (keys.has(data.kid as string) || data.kid === rootKid) where(`${String(data.kid)} registered twice`);
      keys.set(data.kid as string, { publicKey: publicKey!, registeredAt: env.at, nodeId: typeof data.nodeId === 'string' ? data.nodeId : undefined });
    } else if (env.type === KEY_REVOKED_TYPE) {
      const key = typeof data.kid === 'string' ? keys.get(data.kid) : undefined;
      if (!key || key.revokedAt !== undefined) where(`revokes ${String(data.kid)}, which is not a registered, unrevoked key`);
      key!.revokedAt = env.at;
    } else {
      where(`a ${env.type}: the root signs only key registrations and revocations`);
    }
  }
  return { rootKid, rootPublicKey: root, keys };
}

export function fail(check: BundleCheck, file: string, detail: string, line?: number, eventId?: string): never {
  throw new BundleFailureError({ check, file, line, eventId, detail });
}
