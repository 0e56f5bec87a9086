import { signCheckpoint } from '../checkpoint/checkpoint';
import { ed25519NoteSignerFromSeed, formatVerifierKey, NOTE_SIG_ED25519, type NoteSigner } from '../checkpoint/note-keys';
import { nodeEd25519 } from '../checkpoint/ed25519';
import { sha256 } from '../hashing';
import { consistencyProof, treeHeadFromNodes } from '../merkle/proof';
import { MemoryNodeStore } from '../merkle/memory-node-store';
import { MerkleFrontier } from '../merkle/frontier';

/**
 * Test-only (not exported from the library index): a Merkle log with its own note key, whose
 * entries are the given strings. It signs checkpoints at any size it has reached and proves
 * consistency between two of its sizes, as a log would for its witnesses.
 */
export class SignedTestLog {
  readonly signer: NoteSigner;
  readonly vkey: string;
  private readonly store = new MemoryNodeStore();
  private readonly frontier = MerkleFrontier.empty();

  constructor(
    readonly origin: string,
    seedText: string,
  ) {
    const seed = sha256(seedText);
    this.signer = ed25519NoteSignerFromSeed(origin, seed);
    this.vkey = formatVerifierKey(origin, NOTE_SIG_ED25519, nodeEd25519.fromSeed(seed).publicKey);
  }

  get size(): number {
    return this.frontier.size;
  }

  append(...entries: string[]): this {
    for (const entry of entries) this.frontier.appendData(sha256(entry), this.store.put);
    return this;
  }

  root(size = this.size): Uint8Array {
    return treeHeadFromNodes(size, this.fetch);
  }

  checkpoint(size = this.size): string {
    return signCheckpoint({ origin: this.origin, size, rootHash: this.root(size), extensions: [] }, [this.signer]);
  }

  consistency(from: number, to = this.size): Uint8Array[] {
    return from === 0 || from === to ? [] : consistencyProof(from, to, this.fetch);
  }

  private get fetch() {
    return this.store.fetch;
  }
}
