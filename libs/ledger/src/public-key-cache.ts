import type { KeyObject } from 'node:crypto';
import { keyIdOf, publicKeyObjectFromRaw } from './keys';

interface CachedKey {
  raw: Uint8Array;
  keyObject: KeyObject;
}

/**
 * Public KeyObjects by key id, so verifying does not parse a JWK per event. An entry is only
 * made for a key whose fingerprint is the kid it was resolved for, and is reused only while the
 * resolver keeps returning the same bytes. Bounded: the set of signing keys is small, so on
 * overflow the cache simply starts again.
 */
export class PublicKeyCache {
  private readonly byKid = new Map<string, CachedKey>();

  constructor(private readonly maxEntries = 1024) {}

  /** The KeyObject for `raw` if keyIdOf(raw) === kid, else undefined. */
  keyObjectFor(kid: string, raw: Uint8Array): KeyObject | undefined {
    const cached = this.byKid.get(kid);
    if (cached && Buffer.compare(cached.raw, raw) === 0) return cached.keyObject;
    if (keyIdOf(raw) !== kid) return undefined;
    if (this.byKid.size >= this.maxEntries) this.byKid.clear();
    const entry = { raw: Uint8Array.from(raw), keyObject: publicKeyObjectFromRaw(raw) };
    this.byKid.set(kid, entry);
    return entry.keyObject;
  }
}
