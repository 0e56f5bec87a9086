import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteForensicIndex } from '@warden/forensic-index';
import { callOf, describeForensicIndexContract } from './forensic-index.contract';

function openSqliteIndex() {
  const dir = mkdtempSync(join(tmpdir(), 'warden-forensic-index-contract-'));
  const file = join(dir, 'forensics.db');
  let index = new SqliteForensicIndex({ file });
  return {
    dir,
    file,
    get index() {
      return index;
    },
    async reopen() {
      index.close();
      index = new SqliteForensicIndex({ file });
      return index;
    },
    async cleanup() {
      index.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeForensicIndexContract('SqliteForensicIndex (file, WAL, FTS5)', async () => openSqliteIndex());

describe('SqliteForensicIndex on disk', () => {
  const bytesOf = (file: string) => [file, `${file}-wal`].map((f) => {
    try {
      return readFileSync(f);
    } catch {
      return Buffer.alloc(0);
    }
  });

  it('is created readable by its owner only', async () => {
    const t = openSqliteIndex();
    try {
      expect(statSync(t.file).mode & 0o777).toBe(0o600);
    } finally {
      await t.cleanup();
    }
  });

  it('keeps no byte of an erased payload’s text in its files', async () => {
    const t = openSqliteIndex();
    try {
      const SECRET = 'xyzzysecretword';
      const calls = Array.from({ length: 50 }, (_, n) => callOf(n));
      for (const [n, call] of calls.entries()) {
        t.index.write(n + 1, [{ kind: 'call', call }, { kind: 'text', org: call.org, callId: call.callId, eventId: call.callId, text: `plain words ${n} ${n === 17 ? SECRET : 'filler'}` }]);
      }
      expect(bytesOf(t.file).some((b) => b.includes(SECRET))).toBe(true);
      t.index.write(60, [{ kind: 'erasure', org: calls[17].org, erasureEventId: 'e-1', eventIds: [calls[17].callId] }]);
      expect(t.index.search(calls[17].org, { q: SECRET }, { limit: 10 }).calls).toEqual([]);
      expect(bytesOf(t.file).some((b) => b.includes(SECRET))).toBe(false);
      await t.reopen();
      expect(t.index.search(calls[17].org, { q: 'filler' }, { limit: 100 }).calls).toHaveLength(49);
    } finally {
      await t.cleanup();
    }
  });
});
