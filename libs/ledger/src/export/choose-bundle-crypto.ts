import type { BundleCrypto } from './bundle-crypto';
import { tweetnaclBundleCrypto } from './tweetnacl-bundle-crypto';
import { webCryptoBundleCrypto, webCryptoHasEd25519, type SubtleEd25519 } from './webcrypto-bundle-crypto';

/**
 * The portable choice at run time, for a runtime without node:crypto (Node callers pass
 * nodeBundleCrypto()): WebCrypto when it verifies Ed25519, else tweetnacl. `subtle` defaults to
 * the runtime's own (globalThis.crypto.subtle); null means there is none.
 */
export async function choosePortableBundleCrypto(subtle?: SubtleEd25519 | null): Promise<BundleCrypto> {
  const chosen = subtle === undefined ? (globalThis as { crypto?: { subtle?: SubtleEd25519 } }).crypto?.subtle : (subtle ?? undefined);
  return (await webCryptoHasEd25519(chosen)) ? webCryptoBundleCrypto(chosen!) : tweetnaclBundleCrypto;
}
