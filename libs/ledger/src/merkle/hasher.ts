/**
 * RFC 9162 hashing over an injected SHA-256, free of node:crypto (so the export verifier runs in a
 * browser); the node:crypto default hasher is in default-hasher.ts.
 */

/** A SHA-256 function (node:crypto in default-hasher.ts; a pure-JS or WebCrypto-backed one elsewhere). */
export type Sha256 = (bytes: Uint8Array) => Uint8Array;

export const MERKLE_HASH_BYTES = 32;

/** RFC 9162 §2.1.1 hashing: leaf = H(0x00 ‖ d), node = H(0x01 ‖ left ‖ right), empty = H(""). */
export interface MerkleHasher {
  readonly emptyRoot: Uint8Array;
  hashLeaf(data: Uint8Array): Uint8Array;
  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array;
}

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

export function createMerkleHasher(sha256: Sha256): MerkleHasher {
  const emptyRoot = sha256(new Uint8Array(0));
  return {
    emptyRoot,
    hashLeaf(data) {
      const input = new Uint8Array(1 + data.length);
      input[0] = LEAF_PREFIX;
      input.set(data, 1);
      return sha256(input);
    },
    hashChildren(left, right) {
      const input = new Uint8Array(1 + left.length + right.length);
      input[0] = NODE_PREFIX;
      input.set(left, 1);
      input.set(right, 1 + left.length);
      return sha256(input);
    },
  };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
