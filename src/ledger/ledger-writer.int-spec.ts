import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainVerifier, createEd25519Signer, generateEd25519KeyPair, verifyEnvelope, type EventEnvelope } from '@warden/ledger';
import { SqliteEventStore, WrongExpectedRevisionError } from '@warden/event-store';
import { systemClock, uuidV7Ids } from './clock';
import { LedgerWriter } from './ledger-writer';

describe('LedgerWriter on a real SQLite ledger', () => {
  let dir: string;
  let store: SqliteEventStore;
  const signer = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const event = (n: number) => ({ type: 'Tested', org: 'o1', actor: { kind: 'system' as const, id: 't' }, data: { n } });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-writer-'));
    store = new SqliteEventStore({ file: join(dir, 'ledger.db'), synchronous: 'NORMAL' });
  });

  afterEach(async () => {
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
    expect(events.every((e) => verifyEnvelope(e, (kid) => (kid === signer.kid ? signer.publicKey : undefined)).ok)).toBe(true);
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
});
