/**
 * Stable codes of the Merkle tree code. Proof *verification* never throws: it returns a
 * MerkleVerification naming what failed. Proof *generation* and frontier handling throw a
 * MerkleError (bad arguments, a node the fetcher could not supply, a corrupt stored frontier).
 */
export type MerkleErrorCode =
  | 'MERKLE.INVALID_SIZE' // a size or index that is not a safe non-negative integer
  | 'MERKLE.INDEX_OUT_OF_RANGE' // leaf index ≥ tree size
  | 'MERKLE.SIZE_ORDER' // consistency: size2 < size1
  | 'MERKLE.EMPTY_TREE' // consistency from an empty tree proves nothing
  | 'MERKLE.INVALID_HASH' // a leaf hash or proof element that is not 32 bytes
  | 'MERKLE.PROOF_LENGTH' // a proof with more or fewer elements than the sizes call for
  | 'MERKLE.ROOT_MISMATCH' // the proof does not lead to the given root
  | 'MERKLE.NODE_MISSING' // the node fetcher has no hash for a node the proof needs
  | 'MERKLE.INVALID_FRONTIER'; // a stored frontier that does not match its size

export class MerkleError extends Error {
  constructor(
    readonly code: MerkleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type MerkleVerification = { ok: true } | { ok: false; code: MerkleErrorCode; detail: string };

export const MERKLE_OK: MerkleVerification = Object.freeze({ ok: true });

export function merkleFailure(code: MerkleErrorCode, detail: string): MerkleVerification {
  return { ok: false, code, detail };
}

export function assertTreeSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MerkleError('MERKLE.INVALID_SIZE', `${name} must be a non-negative safe integer, got ${String(value)}`);
  }
}
