import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('SqliteEventStore (file, WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-event-store-contract-'));
  const store = new SqliteEventStore({ file: join(dir, 'ledger.db') });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
