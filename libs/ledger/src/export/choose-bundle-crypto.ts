import type { BundleCrypto } from './bundle-crypto';
import { tweetnaclBundleCrypto } from './tweetnacl-bundle-crypto';
import { webCryptoBundleCrypto, webCryptoHasEd25519, type SubtleEd25519 } from './webcrypto-bundle-crypto';

/**
 * The portable choice at run time, for a runtime without node:crypto (Node callers pass
 * nodeBundleCrypto()): WebCrypto when it verifies Ed25519, else tweetnacl.
 */
export async function choosePortableBundleCrypto(subtle: SubtleEd25519 | undefined = (globalThis as { crypto?: { subtle?: SubtleEd25519 } }).crypto?.subtle): Promise<BundleCrypto> {
  return (await webCryptoHasEd25519(subtle)) ? webCryptoBundleCrypto(subtle!) : tweetnaclBundleCrypto;
}
