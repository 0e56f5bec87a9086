import type Database from 'better-sqlite3';
import { MERKLE_HASH_BYTES, type FrontierState, type NodeId } from '@warden/ledger';
import { type SqliteDatabase, type SqliteDatabaseChoice, useSqliteDatabase } from '@warden/sqlite';
import {
  AnchorStoreConflictError,
  nodeKey,
  type AnchorBatch,
  type AnchorCheckpoint,
  type AnchorCosignature,
  type AnchorLeaf,
  type AnchorState,
  type AnchorStore,
  type AnchorStreamHead,
} from '../anchor-store.port';
import { checkBatch } from '../check-batch';
import { migrateAnchorStore } from './anchor-migrations';

interface CheckpointRow {
  log: string;
  size: number;
  root: Buffer;
  note: string;
  event_id: string;
  position: number;
}

/**
 * The anchor store on SQLite: its own tables in the embedded ledger file (or a file of its own).
 * A batch is one write of the shared database's group commit: checked first (so a conflict
 * writes nothing), then inserted.
 */
export class SqliteAnchorStore implements AnchorStore {
  private readonly database: SqliteDatabase;
  private readonly owned: boolean;
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepare>;

  constructor(choice: SqliteDatabaseChoice) {
    ({ database: this.database, owned: this.owned } = useSqliteDatabase(choice));
    this.db = this.database.connection;
    migrateAnchorStore(this.db);
    this.statements = prepare(this.db);
  }

  async load(): Promise<AnchorState> {
    const s = this.statements;
    const logs = new Map<string, FrontierState>();
    for (const row of s.allLogs.all()) logs.set(row.log, { size: row.size, hashes: splitHashes(row.frontier) });
    const heads = new Map<string, AnchorStreamHead>();
    for (const row of s.allHeads.all()) heads.set(row.stream, { seq: row.seq, hash: row.hash });
    return { position: s.position.get()?.position ?? 0, logs, heads };
  }

  commit(batch: AnchorBatch): Promise<void> {
    const s = this.statements;
    return this.database.submit(() => {
      try {
        checkBatch(batch, s.position.get()?.position ?? 0, (log) => s.logSize.get(log)?.size ?? 0, (id) => s.leaf.get(id) !== undefined);
        for (const cp of batch.checkpoints) {
          if (s.checkpointAt.get(cp.log, cp.size)) throw new AnchorStoreConflictError(`log ${cp.log} already has a checkpoint at size ${cp.size}`);
        }
      } catch (error) {
        return { ok: false, error };
      }
      for (const entry of batch.logs) {
        for (const n of entry.nodes) s.insertNode.run(entry.log, n.level, n.index, Buffer.from(n.hash));
        for (const leaf of entry.leaves) s.insertLeaf.run(leaf.eventId, leaf.log, leaf.index, leaf.position);
        s.upsertLog.run(entry.log, entry.frontier.size, Buffer.concat(entry.frontier.hashes));
      }
      for (const [stream, head] of batch.heads) s.upsertHead.run(stream, head.seq, head.hash);
      for (const cp of batch.checkpoints) s.insertCheckpoint.run(cp.log, cp.size, Buffer.from(cp.rootHash), cp.note, cp.eventId, cp.position);
      s.upsertPosition.run(batch.position);
      return { ok: true, value: undefined };
    });
  }

  async leafOf(eventId: string): Promise<AnchorLeaf | undefined> {
    const row = this.statements.leaf.get(eventId);
    return row && { eventId, log: row.log, index: row.leaf_index, position: row.position };
  }

  async nodes(log: string, ids: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    for (const id of ids) {
      const row = this.statements.node.get(log, id.level, id.index);
      if (row) found.set(nodeKey(id.level, id.index), new Uint8Array(row.hash));
    }
    return found;
  }

  async checkpoint(log: string, size?: number): Promise<AnchorCheckpoint | undefined> {
    const row = size === undefined ? this.statements.latestCheckpoint.get(log) : this.statements.checkpointAt.get(log, size);
    return row && { log: row.log, size: row.size, rootHash: new Uint8Array(row.root), note: row.note, eventId: row.event_id, position: row.position };
  }

  addCosignatures(log: string, size: number, cosignatures: readonly AnchorCosignature[]): Promise<void> {
    const s = this.statements;
    return this.database.submit(() => {
      if (!s.checkpointAt.get(log, size)) return { ok: false, error: new AnchorStoreConflictError(`log ${log} has no checkpoint at size ${size}`) };
      for (const c of cosignatures) s.upsertCosignature.run(log, size, c.name, c.keyId, Buffer.from(c.signature));
      return { ok: true, value: undefined };
    });
  }

  async cosignatures(log: string, size: number): Promise<AnchorCosignature[]> {
    return this.statements.cosignatures.all(log, size).map((row) => ({ name: row.name, keyId: row.key_id, signature: new Uint8Array(row.signature) }));
  }

  async close(): Promise<void> {
    if (this.owned) await this.database.close();
  }
}

function prepare(db: Database.Database) {
  return {
    position: db.prepare<[], { position: number }>('SELECT position FROM anchor_position WHERE id = 1'),
    upsertPosition: db.prepare<[number]>('INSERT INTO anchor_position (id, position) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET position = excluded.position'),
    allLogs: db.prepare<[], { log: string; size: number; frontier: Buffer }>('SELECT log, size, frontier FROM anchor_logs'),
    logSize: db.prepare<[string], { size: number }>('SELECT size FROM anchor_logs WHERE log = ?'),
    upsertLog: db.prepare<[string, number, Buffer]>(
      'INSERT INTO anchor_logs (log, size, frontier) VALUES (?, ?, ?) ON CONFLICT (log) DO UPDATE SET size = excluded.size, frontier = excluded.frontier',
    ),
    leaf: db.prepare<[string], { log: string; leaf_index: number; position: number }>('SELECT log, leaf_index, position FROM anchor_leaves WHERE event_id = ?'),
    insertLeaf: db.prepare<[string, string, number, number]>('INSERT INTO anchor_leaves (event_id, log, leaf_index, position) VALUES (?, ?, ?, ?)'),
    node: db.prepare<[string, number, number], { hash: Buffer }>('SELECT hash FROM anchor_nodes WHERE log = ? AND level = ? AND idx = ?'),
    insertNode: db.prepare<[string, number, number, Buffer]>('INSERT INTO anchor_nodes (log, level, idx, hash) VALUES (?, ?, ?, ?)'),
    allHeads: db.prepare<[], { stream: string; seq: number; hash: string }>('SELECT stream, seq, hash FROM anchor_heads'),
    upsertHead: db.prepare<[string, number, string]>(
      'INSERT INTO anchor_heads (stream, seq, hash) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
    ),
    checkpointAt: db.prepare<[string, number], CheckpointRow>('SELECT log, size, root, note, event_id, position FROM anchor_checkpoints WHERE log = ? AND size = ?'),
    latestCheckpoint: db.prepare<[string], CheckpointRow>('SELECT log, size, root, note, event_id, position FROM anchor_checkpoints WHERE log = ? ORDER BY size DESC LIMIT 1'),
    upsertCosignature: db.prepare<[string, number, string, number, Buffer]>(
      'INSERT INTO anchor_cosignatures (log, size, name, key_id, signature) VALUES (?, ?, ?, ?, ?) ON CONFLICT (log, size, name, key_id) DO UPDATE SET signature = excluded.signature',
    ),
    cosignatures: db.prepare<[string, number], { name: string; key_id: number; signature: Buffer }>(
      'SELECT name, key_id, signature FROM anchor_cosignatures WHERE log = ? AND size = ? ORDER BY name, key_id',
    ),
    insertCheckpoint: db.prepare<[string, number, Buffer, string, string, number]>(
      'INSERT INTO anchor_checkpoints (log, size, root, note, event_id, position) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };
}

function splitHashes(blob: Buffer): Uint8Array[] {
  const hashes: Uint8Array[] = [];
  for (let at = 0; at + MERKLE_HASH_BYTES <= blob.length; at += MERKLE_HASH_BYTES) hashes.push(new Uint8Array(blob.subarray(at, at + MERKLE_HASH_BYTES)));
  return hashes;
}
