import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SignedReadModelSnapshot } from '@warden/ledger';
import { SqliteSnapshotStore } from './sqlite-snapshot-store';

const snapshotAt = (position: number): SignedReadModelSnapshot => ({ body: { position, projections: { n: position } } as unknown as SignedReadModelSnapshot['body'], sig: `sig-${position}` });

describe('SqliteSnapshotStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'warden-snapshots-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates its file 0600, has nothing at first, returns the newest and keeps the newest two', async () => {
    const file = join(dir, 'ledger.snapshots.db');
    const store = new SqliteSnapshotStore({ file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await store.latest()).toBeUndefined();
    for (const p of [10, 30, 20]) await store.save(snapshotAt(p));
    expect((await store.latest())?.snapshot).toEqual(snapshotAt(30));
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT position FROM read_model_snapshots ORDER BY position').all()).toEqual([{ position: 20 }, { position: 30 }]);
    db.close();
  });

  it('hands back stored text that is not JSON as no snapshot (the caller refuses it), with its position', async () => {
    const file = join(dir, 'ledger.snapshots.db');
    const store = new SqliteSnapshotStore({ file });
    await store.save(snapshotAt(5));
    const db = new Database(file);
    db.prepare('UPDATE read_model_snapshots SET body = ? WHERE position = 5').run('{ not json');
    db.close();
    expect(await store.latest()).toEqual({ position: 5, snapshot: undefined, bytes: 10 });
    await store.close();
  });
});
