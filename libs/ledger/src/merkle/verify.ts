import { MERKLE_OK, merkleFailure, MerkleError, type MerkleVerification } from './errors';
import { rfc9162Hasher } from './default-hasher';
import { bytesEqual, MERKLE_HASH_BYTES, type MerkleHasher } from './hasher';
import { consistencyProofLength, inclusionProofLength } from './proof';

/**
 * Proof verification as RFC 9162 §2.1.3.2 and §2.1.4.2 describe it (the bit-walking
 * algorithms, independent of the generator in proof.ts). Never throws; the result names the
 * first thing that is wrong with a stable code. Sizes are JavaScript safe integers (< 2^53).
 */

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  hasher: MerkleHasher = rfc9162Hasher,
): MerkleVerification {
  const badSize = checkSizes({ index, size });
  if (badSize) return badSize;
  if (index >= size) return merkleFailure('MERKLE.INDEX_OUT_OF_RANGE', `leaf ${index} is not in a tree of size ${size}`);
  if (!isHash(leafHash)) return merkleFailure('MERKLE.INVALID_HASH', `the leaf hash must be ${MERKLE_HASH_BYTES} bytes`);
  const badElement = checkProofElements(proof);
  if (badElement) return badElement;
  const expected = inclusionProofLength(index, size);
  if (proof.length !== expected) {
    return merkleFailure('MERKLE.PROOF_LENGTH', `an inclusion proof for leaf ${index} of ${size} has ${expected} hashes, got ${proof.length}`);
  }

  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return merkleFailure('MERKLE.PROOF_LENGTH', 'the proof is longer than the path to the root');
    if (isOdd(fn) || fn === sn) {
      r = hasher.hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hasher.hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return merkleFailure('MERKLE.PROOF_LENGTH', 'the proof ends below the root');
  return bytesEqual(r, root) ? MERKLE_OK : merkleFailure('MERKLE.ROOT_MISMATCH', `the proof for leaf ${index} does not lead to the root of size ${size}`);
}

export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
  hasher: MerkleHasher = rfc9162Hasher,
): MerkleVerification {
  const badSize = checkSizes({ size1, size2 });
  if (badSize) return badSize;
  if (size2 < size1) return merkleFailure('MERKLE.SIZE_ORDER', `size2 ${size2} is smaller than size1 ${size1}`);
  if (size1 === 0) return merkleFailure('MERKLE.EMPTY_TREE', 'a consistency proof from the empty tree proves nothing');
  if (size1 === size2) {
    if (proof.length !== 0) return merkleFailure('MERKLE.PROOF_LENGTH', `equal sizes take an empty proof, got ${proof.length} hashes`);
    return bytesEqual(root1, root2) ? MERKLE_OK : merkleFailure('MERKLE.ROOT_MISMATCH', `two different roots for size ${size1}`);
  }
  const badElement = checkProofElements(proof);
  if (badElement) return badElement;
  const expected = consistencyProofLength(size1, size2);
  if (proof.length !== expected) {
    return merkleFailure('MERKLE.PROOF_LENGTH', `a consistency proof from ${size1} to ${size2} has ${expected} hashes, got ${proof.length}`);
  }

  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return merkleFailure('MERKLE.PROOF_LENGTH', 'the proof is longer than the path to the root');
    if (isOdd(fn) || fn === sn) {
      fr = hasher.hashChildren(c, fr);
      sr = hasher.hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hasher.hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return merkleFailure('MERKLE.PROOF_LENGTH', 'the proof ends below the root');
  if (!bytesEqual(fr, root1)) return merkleFailure('MERKLE.ROOT_MISMATCH', `the proof does not lead to the root of size ${size1}`);
  if (!bytesEqual(sr, root2)) return merkleFailure('MERKLE.ROOT_MISMATCH', `the proof does not lead to the root of size ${size2}`);
  return MERKLE_OK;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === MERKLE_HASH_BYTES;
}

function checkSizes(sizes: Record<string, number>): MerkleVerification | undefined {
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isSafeInteger(value) || value < 0) return merkleFailure('MERKLE.INVALID_SIZE', `${name} must be a non-negative safe integer`);
  }
  return undefined;
}

function checkProofElements(proof: readonly Uint8Array[]): MerkleVerification | undefined {
  if (!Array.isArray(proof)) return merkleFailure('MERKLE.INVALID_HASH', 'the proof must be an array of hashes');
  const bad = proof.findIndex((p) => !isHash(p));
  return bad < 0 ? undefined : merkleFailure('MERKLE.INVALID_HASH', `proof element ${bad} is not a ${MERKLE_HASH_BYTES}-byte hash`);
}

/** Throwing form for callers that treat a failed proof as an error. */
export function assertVerified(result: MerkleVerification): void {
  if (!result.ok) throw new MerkleError(result.code, result.detail);
}
