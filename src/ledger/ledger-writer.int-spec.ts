import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { ChainVerifier, createEd25519Signer, generateEd25519KeyPair, verifyEnvelope, type EventEnvelope, type Signer } from '@warden/ledger';
import { SqliteEventStore, WrongExpectedRevisionError } from '@warden/event-store';
import { systemClock, uuidV7Ids } from './clock';
import { LedgerWriter } from './ledger-writer';
import { inlineSignatures, type SignatureQueue } from './signing/signature-queue';
import { WorkerSignatures } from './signing/worker-signatures';

const pair = generateEd25519KeyPair();
const nodeSigner = createEd25519Signer(pair.privateKeyPem);

describe.each([
  ['signing inline', () => nodeSigner as Signer | SignatureQueue],
  ['signing on a worker thread', () => new WorkerSignatures(nodeSigner.kid, createPrivateKey(pair.privateKeyPem))],
])('LedgerWriter on a real SQLite ledger, %s', (_how, makeSigner) => {
  let dir: string;
  let store: SqliteEventStore;
  let signer: Signer | SignatureQueue;
  const event = (n: number) => ({ type: 'Tested', org: 'o1', actor: { kind: 'system' as const, id: 't' }, data: { n } });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-writer-'));
    store = new SqliteEventStore({ file: join(dir, 'ledger.db'), synchronous: 'NORMAL' });
    signer = makeSigner();
  });

  afterEach(async () => {
    if ('close' in signer) await signer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function chainOf(stream: string) {
    const events = (await store.readStream(stream)).map((r) => r.data as EventEnvelope);
    const chain = new ChainVerifier();
    return { events, problems: events.map((e) => chain.check(e)).filter(Boolean) };
  }

  it('chains 200 concurrent appends to one stream without a gap, each signed', async () => {
    const writer = new LedgerWriter(store, signer, systemClock, uuidV7Ids);
    await Promise.all(Array.from({ length: 200 }, (_, n) => writer.append('calls-o1-n1', [event(n)])));
    const { events, problems } = await chainOf('calls-o1-n1');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(problems).toEqual([]);
    expect(events.every((e) => verifyEnvelope(e, (kid) => (kid === nodeSigner.kid ? nodeSigner.publicKey : undefined)).ok)).toBe(true);
    expect(store.groupCommitStats().batches).toBeLessThan(200);
  });

  it('recovers after another writer appended to its stream: one append fails, the next re-reads the head', async () => {
    const mine = new LedgerWriter(store, signer, systemClock, uuidV7Ids);
    const intruder = new LedgerWriter(store, signer, systemClock, uuidV7Ids);
    await mine.append('s', [event(0)]);
    await intruder.append('s', [event(1)]);
    await expect(mine.append('s', [event(2)])).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await mine.append('s', [event(3)]);
    const { events, problems } = await chainOf('s');
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 3]);
    expect(problems).toEqual([]);
  });

  it('refuses a decider’s stale expected revision and writes nothing', async () => {
    const writer = new LedgerWriter(store, signer, systemClock, uuidV7Ids);
    await writer.append('agg', [event(0), event(1)]);
    await expect(writer.append('agg', [event(2)], 0)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(await store.streamRevision('agg')).toBe(1);
    await writer.append('agg', [event(2)], 1);
    expect(await store.streamRevision('agg')).toBe(2);
  });

  it('fails every pending append once the store is closed, so callers can fail closed', async () => {
    const writer = new LedgerWriter(store, signer, systemClock, uuidV7Ids);
    await writer.append('s', [event(0)]);
    await store.close();
    await expect(writer.append('s', [event(1)])).rejects.toMatchObject({ code: 'LEDGER.UNAVAILABLE' });
  });

  it('keeps appends of one and several events, to several streams, in reservation order', async () => {
    const writer = new LedgerWriter(store, signer, systemClock, uuidV7Ids);
    let n = 0;
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => writer.append(`s-${i % 3}`, Array.from({ length: 1 + (i % 4) }, () => event(n++)))),
    );
    for (const stream of ['s-0', 's-1', 's-2']) {
      const { events, problems } = await chainOf(stream);
      expect(problems).toEqual([]);
      const ns = events.map((e) => (e.data as { n: number }).n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
  });

  it('forgets the head when an append fails half-way through sealing, so the next append goes through', async () => {
    const writer = new LedgerWriter(store, signer, systemClock, uuidV7Ids);
    await writer.append('s', [event(0)]);
    const malformed = { ...event(1), data: { n: Number.NaN } };
    await expect(writer.append('s', [event(1), malformed])).rejects.toThrow();
    await expect(writer.append('s', [event(2)])).resolves.toMatchObject({ envelopes: [{ seq: 1 }] });
    const { events, problems } = await chainOf('s');
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual([0, 2]);
    expect(problems).toEqual([]);
  });
});

describe('LedgerWriter when signing fails', () => {
  it('rejects the append, writes nothing, and fails the appends chained after it; the next one re-reads the head', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-writer-'));
    const store = new SqliteEventStore({ file: join(dir, 'ledger.db') });
    const inline = inlineSignatures(nodeSigner);
    let failNext = false;
    const flaky: SignatureQueue = {
      kid: inline.kid,
      sign: (hashes, then) => (failNext ? ((failNext = false), Promise.reject(new Error('signer down'))) : inline.sign(hashes, then)),
      close: inline.close,
    };
    const event = (n: number) => ({ type: 'Tested', org: 'o1', actor: { kind: 'system' as const, id: 't' }, data: { n } });
    try {
      const writer = new LedgerWriter(store, flaky, systemClock, uuidV7Ids);
      await writer.append('s', [event(0)]);
      failNext = true;
      const [failed, chainedAfter] = await Promise.allSettled([writer.append('s', [event(1)]), writer.append('s', [event(2)])]);
      expect(failed).toMatchObject({ status: 'rejected', reason: new Error('signer down') });
      expect(chainedAfter.status).toBe('rejected');
      await writer.append('s', [event(3)]);
      const stored = (await store.readStream('s')).map((r) => r.data as EventEnvelope);
      expect(stored.map((e) => [e.seq, (e.data as { n: number }).n])).toEqual([
        [0, 0],
        [1, 3],
      ]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
