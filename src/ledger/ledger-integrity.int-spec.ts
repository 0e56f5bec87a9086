import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import * as ledger from '@warden/ledger';
import { createEd25519Signer, generateEd25519KeyPair, type Signer } from '@warden/ledger';
import { systemClock, uuidV7Ids } from './clock';
import { readKeyStream, registerNodeKey } from './key-registration';
import { LedgerIntegrity, LedgerIntegrityError } from './ledger-integrity';
import { LedgerWriter } from './ledger-writer';

jest.mock('@warden/ledger', () => {
  const actual = jest.requireActual('@warden/ledger');
  return { ...actual, checkStoredEvent: jest.fn(actual.checkStoredEvent) };
});
const checks = ledger.checkStoredEvent as jest.MockedFunction<typeof ledger.checkStoredEvent>;

const newSigner = (): Signer => createEd25519Signer(generateEd25519KeyPair().privateKeyPem);

/** Two readers of the log (the projector and the anchor) verify each event: the second one reuses a check the same object passed. */
describe('LedgerIntegrity, two readers of one log', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;
  let root: Signer;
  let writer: LedgerWriter;
  const append = (stream: string) => writer.append(stream, [{ type: 'T', org: 'o1', actor: { kind: 'system', id: 'test' }, data: { stream } }]);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-integrity-'));
    file = join(dir, 'ledger.db');
    store = new SqliteEventStore({ file });
    root = newSigner();
    const node = newSigner();
    await registerNodeKey(store, root, node, 'node-1', systemClock, uuidV7Ids);
    writer = new LedgerWriter(store, node, systemClock, uuidV7Ids);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks each event once for both readers when the log hands them the same object', async () => {
    await append('calls-o1-node-1');
    await append('calls-o1-node-1');
    const integrity = new LedgerIntegrity(root.publicKey, await readKeyStream(store)); // nothing new to learn from the feed
    const [first, second] = [integrity.newFeed('projector'), integrity.newFeed('anchor')];
    const events = await store.readAll();
    expect(await store.readAll()).toEqual(events);
    expect((await store.readAll())[0]).toBe(events[0]); // one decoded object per row
    checks.mockClear();
    for (const event of events) first(event);
    expect(checks).toHaveBeenCalledTimes(events.length);
    for (const event of await store.readAll()) second(event);
    expect(checks).toHaveBeenCalledTimes(events.length);
  });

  it('checks again once the key directory changed, and checks a row decoded anew in full', async () => {
    await append('calls-o1-node-1');
    const integrity = new LedgerIntegrity(root.publicKey, []);
    const events = await store.readAll();
    const key = events.filter((e) => e.stream === ledger.KEY_STREAM);
    const call = events.filter((e) => e.stream !== ledger.KEY_STREAM);
    const first = integrity.newFeed('projector');
    for (const event of events) first(event); // learns the node key on the way: checks before it are void
    checks.mockClear();
    const second = integrity.newFeed('anchor');
    for (const event of [...key, ...call]) second(event);
    expect(checks).toHaveBeenCalledTimes(key.length); // the call event was checked after the key was learnt

    // The row is forged behind the store's back; a later read decodes it anew: a check the old object passed says nothing of it.
    const raw = new Database(file);
    const row = raw.prepare(`SELECT position, data FROM events WHERE stream = 'calls-o1-node-1'`).get() as { position: number; data: string };
    const forgedData = row.data.replace('"stream":"calls-o1-node-1"}', '"stream":"forged"}');
    expect(forgedData).not.toBe(row.data);
    raw.prepare('UPDATE events SET data = ? WHERE position = ?').run(forgedData, row.position);
    raw.close();
    await append('calls-o1-node-2'); // a commit: pages read before it are not served again
    const reread = (await store.readAll()).find((e) => e.position === row.position)!;
    expect(reread).not.toBe(call[0]);
    const late = integrity.newFeed('late reader');
    for (const event of key) late(event);
    expect(() => late(reread)).toThrow(LedgerIntegrityError);
  });
});
