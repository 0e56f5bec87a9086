import { sha256 } from '../hashing';
import { createMerkleHasher, type MerkleHasher } from './hasher';

/** The default hasher (SHA-256 through node:crypto). */
export const rfc9162Hasher: MerkleHasher = createMerkleHasher(sha256);
