import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, EventStoreConfigError } from './create-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

describe('createEventStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-create-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    (d: string) => `sqlite:${d}/sub/ledger.db`,
    (d: string) => `sqlite://${d}/ledger.db`,
    (d: string) => `SQLITE:${d}/ledger.db`,
  ])('opens a SQLite store for %p', async (toUrl) => {
    const store = createEventStore(toUrl(dir));
    expect(store).toBeInstanceOf(SqliteEventStore);
    await store.appendToStream('s', [{ id: 'e1', type: 'T', data: {} }], { expectedRevision: 'no_stream' });
    await store.close();
  });

  it('says esdb is not available in this build', () => {
    expect(() => createEventStore('esdb://localhost:2113?tls=false')).toThrow(/not available in this build/);
  });

  it.each(['postgres://db/x', 'ledger.db', '', 'sqlite:'])('rejects %p with a config error', (url) => {
    expect(() => createEventStore(url)).toThrow(EventStoreConfigError);
  });
});
