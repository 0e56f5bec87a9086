import {
  consistencyProof,
  cosignatureV1SignerFromSeed,
  cosignatureV1Verifier,
  cosignCheckpoint,
  ed25519NoteSignerFromSeed,
  ed25519NoteVerifier,
  formatVerifierKey,
  inclusionProof,
  MemoryNodeStore,
  MerkleFrontier,
  NOTE_SIG_COSIGNATURE_V1,
  NOTE_SIG_ED25519,
  nodeEd25519,
  openCheckpoint,
  sha256,
  signCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '@warden/ledger';
import type { BenchOptions } from './support/bench-options';
import { environment, type BenchReport, type Table } from './support/report';
import { round } from './support/stats';

/**
 * Merkle log figures (issue 17): a tree of N leaves built with the frontier into an in-memory
 * node store, then inclusion and consistency proofs generated and verified per second, and
 * checkpoint (signed note) sign + verify per second, with a witness cosignature.
 */
export const MERKLE_BENCH = 'merkle';

function perSecond(count: number, run: (i: number) => void): { perSecond: number; microseconds: number } {
  const started = performance.now();
  for (let i = 0; i < count; i++) run(i);
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: round(count / seconds, 0), microseconds: round((seconds * 1e6) / count, 1) };
}

export async function runMerkleBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const leaves = options.quick ? 100_000 : 1_000_000;
  const samples = options.quick ? 2_000 : 20_000;
  options.log(`merkle: building a tree of ${leaves.toLocaleString('en-US')} leaves`);
  const store = new MemoryNodeStore();
  const frontier = MerkleFrontier.empty();
  const leafHashes: Uint8Array[] = [];
  const build = perSecond(leaves, (i) => leafHashes.push(frontier.appendData(sha256(`event ${i}`), store.put)));
  const root = frontier.root();
  const indexes = Array.from({ length: samples }, (_, i) => (i * 7919) % leaves);

  options.log('merkle: inclusion proofs');
  const proofs: Uint8Array[][] = [];
  const inclusionGen = perSecond(samples, (i) => proofs.push(inclusionProof(indexes[i], leaves, store.fetch)));
  const inclusionVerify = perSecond(samples, (i) => {
    if (!verifyInclusion(leafHashes[indexes[i]], indexes[i], leaves, proofs[i], root).ok) throw new Error('inclusion proof failed');
  });

  options.log('merkle: consistency proofs');
  const sizes = Array.from({ length: samples }, (_, i) => 1 + ((i * 104729) % (leaves - 1)));
  const roots = new Map<number, Uint8Array>();
  const rebuild = MerkleFrontier.empty();
  const sorted = [...new Set(sizes)].sort((a, b) => a - b);
  let at = 0;
  for (const size of sorted) {
    while (rebuild.size < size) rebuild.append(leafHashes[at++]);
    roots.set(size, rebuild.root());
  }
  const consistency: Uint8Array[][] = [];
  const consistencyGen = perSecond(samples, (i) => consistency.push(consistencyProof(sizes[i], leaves, store.fetch)));
  const consistencyVerify = perSecond(samples, (i) => {
    if (!verifyConsistency(sizes[i], leaves, consistency[i], roots.get(sizes[i]) as Uint8Array, root).ok) throw new Error('consistency proof failed');
  });

  options.log('merkle: checkpoints');
  const logSeed = sha256('bench log key');
  const witnessSeed = sha256('bench witness key');
  const origin = 'bench.warden.example/org-1';
  const logSigner = ed25519NoteSignerFromSeed(origin, logSeed);
  const logVerifier = ed25519NoteVerifier(formatVerifierKey(origin, NOTE_SIG_ED25519, nodeEd25519.fromSeed(logSeed).publicKey));
  const witness = cosignatureV1SignerFromSeed('bench.witness.example/w1', witnessSeed, () => 1_700_000_000);
  const witnessVerifier = cosignatureV1Verifier(formatVerifierKey(witness.name, NOTE_SIG_COSIGNATURE_V1, nodeEd25519.fromSeed(witnessSeed).publicKey));
  const checkpoint = { origin, size: leaves, rootHash: root, extensions: [] };
  const notes: string[] = [];
  const signing = perSecond(samples / 4, () => notes.push(signCheckpoint(checkpoint, [logSigner])));
  const verifying = perSecond(samples / 4, (i) => {
    if (!openCheckpoint(notes[i], { log: logVerifier }).ok) throw new Error('checkpoint failed');
  });
  const cosigned = cosignCheckpoint(notes[0], witness);
  const cosignedVerify = perSecond(samples / 4, () => {
    if (!openCheckpoint(cosigned, { log: logVerifier, others: [witnessVerifier] }).ok) throw new Error('cosigned checkpoint failed');
  });

  const rows: Array<[string, { perSecond: number; microseconds: number }]> = [
    [`append (leaf hash + frontier + node store), ${leaves.toLocaleString('en-US')} leaves`, build],
    ['inclusion proof: generate', inclusionGen],
    ['inclusion proof: verify', inclusionVerify],
    ['consistency proof: generate', consistencyGen],
    ['consistency proof: verify', consistencyVerify],
    ['checkpoint: sign (Ed25519 note)', signing],
    ['checkpoint: verify', verifying],
    ['checkpoint + 1 cosignature: verify', cosignedVerify],
  ];
  const table: Table = { title: `Merkle log at ${leaves.toLocaleString('en-US')} leaves (one thread, in-memory node store)`, columns: ['operation', 'per second', 'µs each'], rows: rows.map(([name, r]) => [name, r.perSecond, r.microseconds]) };
  return {
    bench: MERKLE_BENCH,
    startedAt: new Date().toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { leaves, samples },
    figures: Object.fromEntries(rows.map(([name, r]) => [name, r])),
    tables: [table],
    targets: [],
    notes: ['Proofs are generated from the perfect nodes the frontier emitted; verification is the RFC 9162 algorithm. Timings are single-threaded and include SHA-256 through node:crypto.'],
  };
}
