import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import { createEd25519Signer, generateEd25519KeyPair } from '@warden/ledger';
import { SqlitePayloadStore } from '@warden/payload-store';
import { SqliteDatabase } from '@warden/sqlite';
import type { WardenConfig } from '../../src/config/warden-config';
import { systemClock, uuidV7Ids } from '../../src/ledger/clock';
import { LedgerWriter } from '../../src/ledger/ledger-writer';
import { CallRecorder } from '../../src/gateway/tool-call/call-recorder';

/**
 * The recorder on the real embedded stores (one SQLite file; here, as capability modules may not import adapters): when an event cannot be sealed
 * after its payload was prepared, the payload is not committed alone.
 */
describe('CallRecorder on the embedded ledger', () => {
  let dir: string;
  let database: SqliteDatabase;
  let events: SqliteEventStore;
  let payloads: SqlitePayloadStore;
  let recorder: CallRecorder;
  const actor = { kind: 'agent' as const, id: 'agent-1' };
  const decided = (tool: string) => ({
    callId: uuidV7Ids.next(),
    agentId: 'agent-1',
    serverId: 'server-1',
    tool,
    decision: 'allow' as const,
    reasons: [],
    protocolVersion: '2026-07-28',
    endpoint: 'notes',
    requestId: '1',
  });
  const rows = (table: string) => {
    const db = new Database(join(dir, 'ledger.db'), { readonly: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-recorder-'));
    database = new SqliteDatabase(join(dir, 'ledger.db'), { synchronous: 'NORMAL' });
    events = new SqliteEventStore({ database });
    payloads = new SqlitePayloadStore({ database, masterKey: randomBytes(32) });
    const writer = new LedgerWriter(events, createEd25519Signer(generateEd25519KeyPair().privateKeyPem), systemClock, uuidV7Ids);
    recorder = new CallRecorder(writer, payloads, { nodeId: 'node-1' } as WardenConfig);
  });
  afterEach(async () => {
    await events.close();
    await payloads.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits a decision and its payload together', async () => {
    await recorder.decided('org-1', actor, decided('echo'), { text: 'hello' });
    expect([rows('events'), rows('payloads')]).toEqual([1, 1]);
  });

  it('drops the payload when its event cannot be sealed (here: data that is not I-JSON), even once every held write is released', async () => {
    await expect(recorder.decided('org-1', actor, decided('echo\uD800'), { text: 'hello' })).rejects.toMatchObject({ code: 'LEDGER.UNAVAILABLE' });
    await database.flushed(); // releases writes still waiting for their partner: one would commit alone now
    expect([rows('events'), rows('payloads')]).toEqual([0, 0]);
    await recorder.decided('org-1', actor, decided('echo'), { text: 'again' });
    expect([rows('events'), rows('payloads')]).toEqual([1, 1]);
  });

  it('refuses content that has no canonical form before anything is written', async () => {
    await expect(recorder.decided('org-1', actor, decided('echo'), { text: 'bad \uDC00' })).rejects.toMatchObject({ code: 'LEDGER.UNAVAILABLE' });
    await database.flushed();
    expect([rows('events'), rows('payloads')]).toEqual([0, 0]);
  });
});
