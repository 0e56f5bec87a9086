import { sha256 as nodeSha256 } from '../hashing';

/** A SHA-256 function: node:crypto by default; pass a pure-JS one where node:crypto is absent. */
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

export function createMerkleHasher(sha256: Sha256 = nodeSha256): MerkleHasher {
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

/** The default hasher (SHA-256 through node:crypto). */
export const rfc9162Hasher: MerkleHasher = createMerkleHasher();

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
