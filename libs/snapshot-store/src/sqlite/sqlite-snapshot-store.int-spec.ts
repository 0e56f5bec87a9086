import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignedReadModelSnapshot } from '@warden/ledger';
import { SqliteSnapshotStore } from './sqlite-snapshot-store';

const snapshotAt = (position: number): SignedReadModelSnapshot => ({ body: JSON.stringify({ position }), sig: `sig-${position}` });

describe('SqliteSnapshotStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'warden-snapshots-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates its file 0600, has nothing at first, returns the newest and keeps the newest two', async () => {
    const file = join(dir, 'ledger.snapshots.db');
    const store = new SqliteSnapshotStore({ file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await store.latest()).toBeUndefined();
    for (const p of [10, 30, 20]) await store.save(p, snapshotAt(p));
    expect(await store.latest()).toEqual({ position: 30, snapshot: snapshotAt(30) });
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT position FROM read_model_snapshots ORDER BY position').all()).toEqual([{ position: 20 }, { position: 30 }]);
    db.close();
  });

  it('hands back the stored text as it is (checking it is the caller’s job)', async () => {
    const file = join(dir, 'ledger.snapshots.db');
    const store = new SqliteSnapshotStore({ file });
    await store.save(5, { body: '{ not json', sig: 'x' });
    expect(await store.latest()).toEqual({ position: 5, snapshot: { body: '{ not json', sig: 'x' } });
    await store.close();
  });
});
