import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import { createEd25519Signer, generateEd25519KeyPair, type EventEnvelope, type Signer } from '@warden/ledger';
import { systemClock, uuidV7Ids } from './clock';
import { readKeyStream, registerNodeKey, revokeKey } from './key-registration';
import { LedgerIntegrity, LedgerIntegrityError } from './ledger-integrity';
import { LedgerWriter } from './ledger-writer';
import type { Projection } from './projection';
import { ReadModelProjector } from './read-model-projector';

/** A read model that records what it was given. */
class Recorder implements Projection {
  readonly seen: string[] = [];
  constructor(readonly name: string, readonly streamPrefixes: string[]) {}
  apply(event: EventEnvelope): void {
    if (event.stream.startsWith('platform-')) return;
    this.seen.push(`${this.name}:${event.stream}`);
  }
}

const newSigner = (): Signer => createEd25519Signer(generateEd25519KeyPair().privateKeyPem);

describe('ReadModelProjector', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;
  let root: Signer;
  let node: Signer;
  let writer: LedgerWriter;
  const append = (stream: string, data: Record<string, unknown> = {}) =>
    writer.append(stream, [{ type: 'T', org: 'o1', actor: { kind: 'system', id: 'test' }, data: { stream, ...data } }]);
  const integrity = async () => new LedgerIntegrity(root.publicKey, await readKeyStream(store));
  /** Rewrites one stored row's envelope behind the store's back, as someone with the file would. */
  const forge = (stream: string, edit: (env: EventEnvelope<Record<string, unknown>>) => void) => {
    const raw = new Database(file);
    const row = raw.prepare('SELECT position, data FROM events WHERE stream = ? ORDER BY position DESC LIMIT 1').get(stream) as { position: number; data: string };
    const env = JSON.parse(row.data);
    edit(env);
    raw.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(env), row.position);
    raw.close();
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-projector-'));
    file = join(dir, 'ledger.db');
    store = new SqliteEventStore({ file });
    root = newSigner();
    node = newSigner();
    await registerNodeKey(store, root, node, 'node-1', systemClock, uuidV7Ids);
    writer = new LedgerWriter(store, node, systemClock, uuidV7Ids);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('subscribes only to the streams its read models read, and gives each read model only its own streams', async () => {
    const projector = new ReadModelProjector(store, await integrity());
    const orgs = new Recorder('orgs', ['org-']);
    const agents = new Recorder('agents', ['agent-']);
    projector.register(orgs);
    projector.register(agents);
    await append('org-1');
    await append('calls-1-node-1');
    // A tool-call row the projector would fail on, were it to decode it.
    const raw = new Database(file);
    raw.prepare(`UPDATE events SET data = '{not json' WHERE stream LIKE 'calls-%'`).run();
    raw.close();
    await projector.start();
    const agent = await append('agent-1');
    await projector.waitFor(agent.position, 'agent-1');
    expect(orgs.seen).toEqual(['orgs:org-1']);
    expect(agents.seen).toEqual(['agents:agent-1']);
    expect(projector.health().failure).toBeUndefined();
    await projector.stop();
  });

  it('does not make a writer wait for a stream no read model reads', async () => {
    const projector = new ReadModelProjector(store, await integrity());
    projector.register(new Recorder('orgs', ['org-']));
    await projector.start();
    const call = await append('calls-1-node-1');
    await expect(projector.waitFor(call.position, 'calls-1-node-1')).resolves.toBeUndefined();
    await projector.stop();
  });

  describe.each([
    ['on the event loop', 0],
    ['through the paged catch-up (verify workers)', 2],
  ])('applies nothing it has not verified, checking %s', (_how, verifyWorkers) => {
    it.each([
      ['an edited field (hash no longer matches)', (env: EventEnvelope<Record<string, unknown>>) => (env.data.granted = true), 'HASH_MISMATCH'],
      ['a row re-signed by a key the root never registered', (env: EventEnvelope<Record<string, unknown>>) => {
        const forger = newSigner();
        env.kid = forger.kid;
        // hash recomputed by the forger is still checked against the signature: use the real hash
        env.sig = Buffer.from(forger.sign(Buffer.from(env.hash, 'hex'))).toString('base64url');
      }, 'HASH_MISMATCH'],
      ['an unsigned row', (env: EventEnvelope<Record<string, unknown>>) => (env.sig = ''), 'MALFORMED'],
    ])('stops the replay at start on %s, naming the event', async (_name, edit, reason) => {
      await append('org-1');
      await append('org-1', { second: true });
      forge('org-1', edit);
      const projector = new ReadModelProjector(store, await integrity(), { verifyWorkers });
      const orgs = new Recorder('orgs', ['org-']);
      projector.register(orgs);
      const started = projector.start();
      await expect(started).rejects.toBeInstanceOf(LedgerIntegrityError);
      await expect(started).rejects.toThrow(new RegExp(`org-1@1.*${reason}`));
      expect(orgs.seen).toEqual(['orgs:org-1']); // the event before it, not the forged one
      expect(projector.health().failure?.projection).toBe('ledger-integrity');
      await projector.stop();
    });

    it('stops at a forged row appended live, and applies nothing after it', async () => {
      const projector = new ReadModelProjector(store, await integrity(), { verifyWorkers });
      const orgs = new Recorder('orgs', ['org-']);
      projector.register(orgs);
      await projector.start();
      const first = await append('org-1');
      await projector.waitFor(first.position, 'org-1');
      // A row inserted behind the writer's back: well-formed but signed by nobody the root knows.
      const forger = newSigner();
      const forgerWriter = new LedgerWriter(store, forger, systemClock, uuidV7Ids);
      await forgerWriter.append('org-2', [{ type: 'T', org: 'o1', actor: { kind: 'system', id: 'x' }, data: { stream: 'org-2' } }]);
      await append('org-3');
      await until(() => projector.health().failure !== undefined);
      expect(projector.health().failure?.message).toMatch(/org-2@0.*UNKNOWN_KEY/);
      expect(orgs.seen).toEqual(['orgs:org-1']);
      await projector.stop();
    });

    it('learns a node key registered after start, once the root-signed registration is verified', async () => {
      const projector = new ReadModelProjector(store, await integrity(), { verifyWorkers });
      const orgs = new Recorder('orgs', ['org-']);
      projector.register(orgs);
      await projector.start();
      const second = newSigner();
      await registerNodeKey(store, root, second, 'node-2', systemClock, uuidV7Ids);
      const other = new LedgerWriter(store, second, systemClock, uuidV7Ids);
      const appended = await other.append('org-9', [{ type: 'T', org: 'o1', actor: { kind: 'system', id: 'x' }, data: {} }]);
      await projector.waitFor(appended.position, 'org-9');
      expect(orgs.seen).toEqual(['orgs:org-9']);
      expect(projector.health().failure).toBeUndefined();
      await projector.stop();
    });
  });

  it('learns a revocation of its own key live, and its writer then signs nothing more', async () => {
    const checks = await integrity();
    const projector = new ReadModelProjector(store, checks);
    projector.register(new Recorder('orgs', ['org-']));
    await projector.start();
    const guarded = new LedgerWriter(store, node, systemClock, uuidV7Ids, { assertKeyActive: (kid) => checks.assertSigningKeyActive(kid) });
    const event = { type: 'T', org: 'o1', actor: { kind: 'system' as const, id: 'x' }, data: {} };
    await guarded.append('org-1', [event]);
    await revokeKey(store, root, node.kid, 'compromised', systemClock, uuidV7Ids);
    await until(() => checks.isRevoked(node.kid));
    await expect(guarded.append('org-1', [event])).rejects.toThrow(/was revoked by the root: it signs nothing more/);
    expect(await store.streamRevision('org-1')).toBe(0);
    expect(checks.health().failure).toMatch(/revoked/);
    await projector.stop();
  });

  it('takes its own signatures on trust only for the exact (hash, sig) it made: a swapped signature is verified in full and refused', async () => {
    const checks = await integrity();
    const vouching = new LedgerWriter(store, node, systemClock, uuidV7Ids, { onSigned: (envelopes) => checks.signedHere(envelopes) });
    const event = { type: 'T', org: 'o1', actor: { kind: 'system' as const, id: 'x' }, data: {} };
    await vouching.append('org-1', [event]);
    await vouching.append('org-2', [event]);
    forge('org-2', (env) => (env.sig = Buffer.alloc(64, 7).toString('base64url')));
    const projector = new ReadModelProjector(store, checks);
    const orgs = new Recorder('orgs', ['org-']);
    projector.register(orgs);
    await expect(projector.start()).rejects.toThrow(/org-2@0.*BAD_SIGNATURE/);
    expect(orgs.seen).toEqual(['orgs:org-1']);
    await projector.stop();
  });

  it('applies the very envelope objects its own writer sealed when they come back live; any other object handed back is checked in full', async () => {
    const checks = await integrity();
    const vouching = new LedgerWriter(store, node, systemClock, uuidV7Ids, { onSigned: (envelopes) => checks.signedHere(envelopes) });
    const projector = new ReadModelProjector(store, checks);
    const applied: unknown[] = [];
    projector.register({ name: 'objects', streamPrefixes: ['org-'], apply: (event: EventEnvelope) => void applied.push(event) });
    await projector.start();
    const event = { type: 'T', org: 'o1', actor: { kind: 'system' as const, id: 'x' }, data: { n: 1 } };
    const own = await vouching.append('org-1', [event]);
    await projector.waitFor(own.position, 'org-1');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toBe(own.envelopes[0]); // not a parsed copy: served from memory, not re-hashed
    // The same store, another object: a copy of a sealed envelope with its content changed.
    const sealed = await writer.append('org-2', [event]);
    await projector.waitFor(sealed.position, 'org-2');
    const altered = { ...sealed.envelopes[0], seq: 1, prev: sealed.envelopes[0].hash, id: 'e-altered', data: { n: 2 } };
    await store.appendToStream('org-2', [{ id: altered.id, type: altered.type, data: altered }], { expectedRevision: 0 });
    await until(() => projector.health().failure !== undefined);
    expect(projector.health().failure?.message).toMatch(/org-2@1.*HASH_MISMATCH/);
    expect(applied).toHaveLength(2);
    await projector.stop();
  });

  describe("the writer's chain head", () => {
    it('refuses to chain onto a stored head it cannot verify, and chains onto a good one', async () => {
      await append('calls-1-node-1');
      forge('calls-1-node-1', (env) => (env.data.forged = true));
      const checks = await integrity();
      const fresh = new LedgerWriter(store, newSigner(), systemClock, uuidV7Ids, { verifyHead: (head) => checks.checkHead(head) });
      const event = { type: 'T', org: 'o1', actor: { kind: 'system' as const, id: 'x' }, data: {} };
      await expect(fresh.append('calls-1-node-1', [event])).rejects.toThrow(/refusing to chain onto calls-1-node-1.*HASH_MISMATCH/);
      expect(await store.streamRevision('calls-1-node-1')).toBe(0);
      expect(checks.health().failure).toMatch(/HASH_MISMATCH/);
      await append('calls-2-node-1');
      await expect(fresh.append('calls-2-node-1', [event])).resolves.toBeDefined();
    });
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
