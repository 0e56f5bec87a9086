import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import {
  createEd25519Signer,
  ed25519NoteVerifier,
  fromBase64,
  fromHex,
  generateEd25519KeyPair,
  MerkleFrontier,
  openCheckpoint,
  rfc9162Hasher,
  treeHead,
  verifyConsistency,
  verifyInclusion,
  type EventEnvelope,
  type Signer,
} from '@warden/ledger';
import { MemoryAnchorStore, SqliteAnchorStore, type AnchorStore } from '@warden/anchor-store';
import { systemClock, uuidV7Ids } from '../ledger/clock';
import { readKeyStream, registerNodeKey } from '../ledger/key-registration';
import { LedgerIntegrity } from '../ledger/ledger-integrity';
import { LedgerWriter } from '../ledger/ledger-writer';
import { CHECKPOINT_SIGNED, checkpointStream } from './anchor.events';
import { AnchorProjection, type AnchorOptions } from './anchor-projection';
import { AnchorProofs } from './anchor-proofs';
import { CheckpointSigner } from './checkpoint-signer';

const newSigner = (): Signer => createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
const DEPLOYMENT = 'warden.test/anchor';

describe('AnchorProjection on a real SQLite ledger', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;
  let root: Signer;
  let node: Signer;
  let writer: LedgerWriter;
  let signer: CheckpointSigner;
  const running: AnchorProjection[] = [];
  const opened: AnchorStore[] = [];

  const append = (org: string, stream: string, data: Record<string, unknown> = {}) =>
    writer.append(stream, [{ type: 'T', org, actor: { kind: 'system', id: 'test' }, data: { stream, ...data } }]);
  const allEvents = async () => (await store.readAll()).map((r) => ({ position: r.position, env: r.data as EventEnvelope }));
  const leavesOf = async (org: string) => (await allEvents()).filter((e) => e.env.org === org).map((e) => rfc9162Hasher.hashLeaf(fromHex(e.env.hash)));
  async function anchor(anchors: AnchorStore, options: Partial<AnchorOptions> = {}) {
    const integrity = new LedgerIntegrity(root.publicKey, await readKeyStream(store));
    const projection = new AnchorProjection(store, anchors, integrity, (request) => signer.sign(request), { everyEvents: 1000, everyMs: 0, flushDelayMs: 1, ...options });
    running.push(projection);
    return { projection, integrity };
  }
  const sqliteAnchors = (name = 'anchor.db') => {
    const anchors = new SqliteAnchorStore({ file: join(dir, name) });
    opened.push(anchors);
    return anchors;
  };
  /** Applies and commits everything the log holds now. */
  async function settle(projection: AnchorProjection) {
    const [last] = (await store.readAll()).slice(-1);
    await projection.reached(last.position);
    await projection.flush();
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-anchor-'));
    file = join(dir, 'ledger.db');
    store = new SqliteEventStore({ file });
    root = newSigner();
    node = newSigner();
    await registerNodeKey(store, root, node, 'node-1', systemClock, uuidV7Ids);
    writer = new LedgerWriter(store, node, systemClock, uuidV7Ids);
    signer = new CheckpointSigner(DEPLOYMENT, node, writer, 'node-1');
  });
  afterEach(async () => {
    for (const p of running.splice(0)) await p.stop();
    for (const a of opened.splice(0)) await a.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one log per organisation (platform events in their own), leaves = event hashes in commit order', async () => {
    await append('o1', 'org-o1');
    await append('o2', 'org-o2');
    await append('o1', 'calls-o1-node-1');
    await append('o1', 'agent-a1');
    const { projection } = await anchor(new MemoryAnchorStore());
    await projection.start();
    await settle(projection);
    expect(projection.persistedSize('o1')).toBe(3);
    expect(projection.persistedSize('o2')).toBe(1);
    expect(projection.persistedSize('platform')).toBe(1); // the root-signed key registration
    await projection.checkpointGrownLogs();
    await settle(projection);
    const anchors = (projection as unknown as { anchors: AnchorStore }).anchors;
    const o1 = (await anchors.checkpoint('o1'))!;
    expect(o1.size).toBe(3);
    expect(o1.rootHash).toEqual(treeHead((await leavesOf('o1')).slice(0, 3)));
    // The checkpoint is itself an event of o1's log: leaf 3.
    expect(projection.persistedSize('o1')).toBe(4);
    expect(projection.health()).toMatchObject({ checkpointsSigned: 3, failure: undefined });
  });

  it('signs C2SP checkpoints that verify with the published vkey, every N events (its own checkpoints not counted)', async () => {
    const { projection } = await anchor(new MemoryAnchorStore(), { everyEvents: 2 });
    await projection.start();
    for (let i = 0; i < 5; i++) {
      const { position } = await append('o1', 'calls-o1-node-1', { i });
      await projection.reached(position);
    }
    await until(async () => (await store.readStream(checkpointStream('o1'))).length >= 2);
    await settle(projection);
    const checkpoints = (await store.readStream(checkpointStream('o1'))).map((r) => r.data as EventEnvelope<{ size: number; root: string; note: string }>);
    expect(checkpoints.map((c) => c.type)).toEqual([CHECKPOINT_SIGNED, CHECKPOINT_SIGNED]);
    const verifier = ed25519NoteVerifier(signer.verifierKey('o1'));
    const leaves = await leavesOf('o1');
    for (const c of checkpoints) {
      const opened = openCheckpoint(c.data.note, { log: verifier });
      expect(opened).toMatchObject({ ok: true, checkpoint: { origin: `${DEPLOYMENT}/o1`, size: c.data.size } });
      if (opened.ok) expect(opened.checkpoint.rootHash).toEqual(treeHead(leaves.slice(0, c.data.size)));
    }
    // 2 calls → checkpoint at 2; its event is leaf 2; 2 more calls → size 5 (the checkpoint event counts as a leaf, not as growth).
    expect(checkpoints.map((c) => c.data.size)).toEqual([2, 5]);
  });

  it('serves inclusion and consistency proofs that verify against the signed roots', async () => {
    const anchors = new MemoryAnchorStore();
    const { projection } = await anchor(anchors, { everyEvents: 3 });
    await projection.start();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await append('o1', 'calls-o1-node-1', { i })).envelopes[0].id);
    await until(async () => (await store.readStream(checkpointStream('o1'))).length >= 2);
    await settle(projection);
    const proofs = new AnchorProofs(anchors, (log) => projection.persistedSize(log));
    const first = (await anchors.checkpoint('o1', 3))!;
    const latest = (await anchors.checkpoint('o1'))!;
    expect(latest.size).toBeGreaterThan(first.size);
    const inclusion = await proofs.inclusion('o1', ids[1], first.size);
    expect(verifyInclusion(fromBase64(inclusion.leafHash), inclusion.leafIndex, first.size, inclusion.proof.map((p) => fromBase64(p)), first.rootHash)).toEqual({ ok: true });
    const wrongRoot = verifyInclusion(fromBase64(inclusion.leafHash), inclusion.leafIndex, first.size, inclusion.proof.map((p) => fromBase64(p)), latest.rootHash);
    expect(wrongRoot.ok).toBe(false);
    const consistency = await proofs.consistency('o1', first.size, latest.size);
    expect(verifyConsistency(first.size, latest.size, consistency.proof.map((p) => fromBase64(p)), first.rootHash, latest.rootHash)).toEqual({ ok: true });
    await expect(proofs.inclusion('o2', ids[1], undefined)).rejects.toMatchObject({ code: 'LOG.UNKNOWN_EVENT' });
    await expect(proofs.inclusion('o1', ids[6], first.size)).rejects.toMatchObject({ code: 'LOG.EVENT_AFTER_SIZE' });
    await expect(proofs.consistency('o1', 1, 10_000)).rejects.toMatchObject({ code: 'LOG.SIZE_NOT_REACHED' });
  });

  it('restarted in the middle on its SQLite store, resumes where it committed: the same roots as one run over the whole log', async () => {
    for (let i = 0; i < 20; i++) await append(i % 3 === 0 ? 'o2' : 'o1', i % 2 ? 'calls-o1-node-1' : `agent-${i % 4}`, { i });
    const first = await anchor(sqliteAnchors(), { everyEvents: 5 });
    await first.projection.start();
    await settle(first.projection);
    await first.projection.stop();
    await opened[0].close();
    opened.length = 0;
    for (let i = 20; i < 40; i++) await append(i % 3 === 0 ? 'o2' : 'o1', i % 2 ? 'calls-o1-node-1' : `agent-${i % 4}`, { i });

    const resumed = await anchor(sqliteAnchors(), { everyEvents: 1_000_000 });
    await resumed.projection.start();
    await settle(resumed.projection);
    // It verified only what came after its stored position, continuing each stream's chain from the stored heads.
    expect(resumed.projection.health().verifiedEvents).toBe((await store.readAll({ fromPosition: first.projection.health().position })).length);
    expect(resumed.projection.health().failure).toBeUndefined();

    const fresh = await anchor(new MemoryAnchorStore(), { everyEvents: 1_000_000 });
    await fresh.projection.start();
    await settle(fresh.projection);
    for (const org of ['o1', 'o2', 'platform']) {
      const leaves = await leavesOf(org);
      expect(resumed.projection.persistedSize(org)).toBe(leaves.length);
      expect(fresh.projection.persistedSize(org)).toBe(leaves.length);
    }
    const stored = await opened[0].load();
    for (const org of ['o1', 'o2']) {
      expect(MerkleFrontier.fromState(stored.logs.get(org)!).root()).toEqual(treeHead(await leavesOf(org)));
    }
    // No event is a leaf twice: a leaf index per event id.
    const raw = new Database(join(dir, 'anchor.db'), { readonly: true });
    const dupes = raw.prepare('SELECT COUNT(*) AS n FROM (SELECT log, leaf_index FROM anchor_leaves GROUP BY log, leaf_index HAVING COUNT(*) > 1)').get() as { n: number };
    raw.close();
    expect(dupes.n).toBe(0);
  });

  it('retries a commit that failed (the file locked, I/O) instead of stopping, and loses no leaf', async () => {
    class FlakyStore extends MemoryAnchorStore {
      failures = 2;
      override async commit(batch: Parameters<MemoryAnchorStore['commit']>[0]): Promise<void> {
        if (this.failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
        return super.commit(batch);
      }
    }
    const anchors = new FlakyStore();
    let signFailures = 1;
    const integrity = new LedgerIntegrity(root.publicKey, await readKeyStream(store));
    const projection = new AnchorProjection(store, anchors, integrity, async (request) => {
      if (signFailures-- > 0) throw new Error('the ledger cannot write');
      await signer.sign(request);
    }, { everyEvents: 2, everyMs: 0, flushDelayMs: 1 });
    running.push(projection);
    await projection.start();
    for (let i = 0; i < 6; i++) await projection.reached((await append('o1', 'calls-o1-node-1', { i })).position);
    await until(async () => (await store.readStream(checkpointStream('o1'))).length >= 1 && (projection.health() as { lastError?: string }).lastError === undefined);
    await settle(projection);
    expect(projection.health().failure).toBeUndefined();
    expect((projection.health() as { lastError?: string }).lastError).toBeUndefined();
    expect(anchors.failures).toBeLessThan(0);
    expect(projection.persistedSize('o1')).toBe((await leavesOf('o1')).length);
    expect(MerkleFrontier.fromState((await anchors.load()).logs.get('o1')!).root()).toEqual(treeHead(await leavesOf('o1')));
  });

  it('never anchors an event that does not verify: it stops before it, and health names it', async () => {
    await append('o1', 'org-o1');
    const bad = await append('o1', 'org-o1', { second: true });
    const raw = new Database(file);
    const row = raw.prepare('SELECT data FROM events WHERE position = ?').get(bad.position) as { data: string };
    const env = JSON.parse(row.data);
    env.data.second = false;
    raw.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(env), bad.position);
    raw.close();
    const { projection } = await anchor(new MemoryAnchorStore());
    await projection.start().catch(() => undefined);
    await projection.flush().catch(() => undefined);
    expect(projection.health().failure).toMatch(/does not verify.*HASH_MISMATCH/);
    expect(projection.persistedSize('o1')).toBe(1);
  });

  it('stops on a CheckpointSigned, signed by the node key, whose root is not the tree\u2019s (CHECKPOINT_MISMATCH)', async () => {
    await append('o1', 'org-o1');
    await append('o1', 'org-o1');
    const forgedRoot = new Uint8Array(32).fill(7);
    await signer.sign({ log: 'o1', size: 2, rootHash: forgedRoot });
    const { projection } = await anchor(new MemoryAnchorStore());
    await projection.start().catch(() => undefined);
    expect(projection.health().failure).toMatch(/does not match the tree of o1 at size 2 \(CHECKPOINT_MISMATCH\)/);
  });

  it('stops on a checkpoint whose note is not signed by the key that signed the event', async () => {
    await append('o1', 'org-o1');
    const other = new CheckpointSigner(DEPLOYMENT, newSigner(), writer, 'node-1');
    await other.sign({ log: 'o1', size: 1, rootHash: treeHead(await leavesOf('o1')) });
    const { projection } = await anchor(new MemoryAnchorStore());
    await projection.start().catch(() => undefined);
    expect(projection.health().failure).toMatch(/not a valid checkpoint: the note does not verify/);
  });
});

async function until(condition: () => Promise<boolean>, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!(await condition()) && Date.now() - started < ms) await new Promise((resolve) => setTimeout(resolve, 20));
}
