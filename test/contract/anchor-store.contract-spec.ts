import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAnchorStore, SqliteAnchorStore } from '@warden/anchor-store';
import { describeAnchorStoreContract } from './anchor-store.contract';

describeAnchorStoreContract('MemoryAnchorStore', async () => ({ store: new MemoryAnchorStore(), cleanup: async () => {} }));

describeAnchorStoreContract('SqliteAnchorStore (file, WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-anchor-store-contract-'));
  const store = new SqliteAnchorStore({ file: join(dir, 'anchor.db') });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
