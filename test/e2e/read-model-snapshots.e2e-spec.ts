import Database from 'better-sqlite3';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createEd25519Signer, generateEd25519KeyPair, rfc3339Micros, signReadModelSnapshot, type EventEnvelope, type ReadModelSnapshotBody, type SignedReadModelSnapshot, type Signer } from '@warden/ledger';
import { SqliteEventStore } from '@warden/event-store';
import { startGateway, type RunningGateway } from '../../src/bootstrap';
import { loadConfig, type WardenConfig } from '../../src/config/warden-config';
import { CLOCK, systemClock, uuidV7Ids, type Clock } from '../../src/ledger/clock';
import { developerRootKeyFile, nodeKeyFile, readPrivateKey } from '../../src/ledger/key-files';
import { registerNodeKey, revokeKey } from '../../src/ledger/key-registration';
import { LedgerIntegrity } from '../../src/ledger/ledger-integrity';
import { ReadModelProjector } from '../../src/ledger/read-model-projector';
import { ReadModelSnapshots } from '../../src/snapshots/read-model-snapshots';
import { ReviewsReadModel } from '../../src/reviews/reviews.read-model';
import { AnchorProjection } from '../../src/anchor/anchor-projection';
import { CallRecorder } from '../../src/gateway/tool-call/call-recorder';
import { connectAgent, type Agent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { AdminApi, startHarness, type Harness } from './support/gateway-harness';
import { forge, readRows, tamper, appendRows } from './support/tamper';

/**
 * Read-model snapshots end to end: a real gateway, real calls through a real MCP client, the
 * snapshot taken by the node itself; restarts from it (and every way it can be refused) on the
 * same SQLite files. The clock is held still inside one hour so the rate window's edge is exact.
 */
describe('read-model snapshots', () => {
  let h: Harness;
  let config: WardenConfig;
  let upstream: LegacyMcpServer;
  let apiKey: string;
  let snapshotFile: string;
  let saved: string;
  const agents: Agent[] = [];
  const nowMs = Math.floor(Date.now() / 3_600_000) * 3_600_000 + 3_600_000 + 60_000;
  const RPH = 6;

  const holdClock = (clock: Clock) => {
    jest.spyOn(clock, 'nowMs').mockImplementation(() => nowMs);
    jest.spyOn(clock, 'nowIso').mockImplementation(() => rfc3339Micros(new Date(nowMs), 0));
  };
  const start = (env: Record<string, string> = {}) => startGateway(loadConfig({ ...configEnv(), ...env }), { logger: false });
  const configEnv = () => ({ WARDEN_DATA_DIR: h.dataDir, WARDEN_PORT: String(config.port), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_HEALTH_INTERVAL_MS: '0', WARDEN_SNAPSHOT_EVERY_EVENTS: '1000000', WARDEN_SNAPSHOT_EVERY_MS: '0', WARDEN_SIGNING: 'inline' });
  const call = async (gateway: RunningGateway, text: string) => {
    const agent = await connectAgent(`${gateway.url}/mcp/notes`, { revision: '2026-07-28', headers: { authorization: `Bearer ${apiKey}` } });
    agents.push(agent);
    try {
      return await agent.callTool('echo', { text });
    } finally {
      await agent.close();
    }
  };
  const statesOf = (gateway: RunningGateway) => Object.fromEntries(gateway.app.get(ReadModelProjector).capture()!.states);
  const startedFrom = (gateway: RunningGateway) => gateway.app.get(ReadModelProjector).health().startedFrom;
  const restoreSnapshotFile = () => {
    for (const suffix of ['-wal', '-shm']) rmSync(`${snapshotFile}${suffix}`, { force: true });
    copyFileSync(saved, snapshotFile);
  };
  /** Edits the stored snapshot as someone with the disk would: the body as JSON, and the signature. */
  const editSnapshot = (edit: (snapshot: { body: ReadModelSnapshotBody; sig: string }) => SignedReadModelSnapshot | { body: ReadModelSnapshotBody; sig: string }) => {
    const db = new Database(snapshotFile, { fileMustExist: true });
    try {
      const row = db.prepare('SELECT position, body, sig FROM read_model_snapshots ORDER BY position DESC LIMIT 1').get() as { position: number; body: string; sig: string };
      const edited = edit({ body: JSON.parse(row.body), sig: row.sig });
      const body = typeof edited.body === 'string' ? edited.body : JSON.stringify(edited.body);
      db.prepare('UPDATE read_model_snapshots SET body = ?, sig = ? WHERE position = ?').run(body, edited.sig, row.position);
    } finally {
      db.close();
    }
  };
  const readSnapshotBody = (): string => {
    const db = new Database(snapshotFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT body FROM read_model_snapshots ORDER BY position DESC LIMIT 1').get() as { body: string }).body;
    } finally {
      db.close();
    }
  };
  const nodeSigner = (): Signer => readPrivateKey(nodeKeyFile(h.dataDir, config.nodeId))!.signer;
  let full: { states: Record<string, unknown>; verified: number };

  beforeAll(async () => {
    holdClock(systemClock);
    upstream = await startLegacyMcpServer();
    h = await startHarness({ WARDEN_SNAPSHOT_EVERY_EVENTS: '1000000', WARDEN_SNAPSHOT_EVERY_MS: '0', WARDEN_SIGNING: 'inline' });
    config = h.config;
    snapshotFile = join(h.dataDir, 'ledger.snapshots.db');
    saved = join(h.dataDir, '..', `${h.dataDir.split('/').pop()}-saved-snapshot.db`);
    expect(h.gateway.app.get<Clock>(CLOCK)).toBe(systemClock);
    const serverId = (await h.api.registerServer('Notes', 'notes', upstream.url)).serverId;
    await h.api.approve(serverId, 'echo', 'read');
    const registered = await h.api.registerAgent('snapshotted');
    apiKey = registered.apiKey;
    expect((await h.api.request('PUT', '/v1/limits?baseVersion=0', { rates: [{ id: 'hourly', agent: registered.agent.agentId, rph: RPH }] })).status).toBe(200);
    for (let i = 0; i < 3; i++) await call(h.gateway, `before-${i}`);
    await h.settled();
    const outcome = await h.gateway.app.get(ReadModelSnapshots).take();
    expect(outcome).toMatchObject({ taken: true });
    // The tail: calls after the snapshot's position.
    for (let i = 0; i < 2; i++) await call(h.gateway, `after-${i}`);
    await h.settled();
    await h.stop();
    copyFileSync(snapshotFile, saved);
    const replayed = await start({ WARDEN_SNAPSHOTS: 'off' });
    full = { states: statesOf(replayed), verified: replayed.app.get(LedgerIntegrity).health().verifiedEvents };
    expect(startedFrom(replayed)).toEqual({ from: 'replay' });
    await replayed.close();
  }, 60_000);

  afterEach(restoreSnapshotFile);
  afterAll(async () => {
    jest.restoreAllMocks();
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    rmSync(saved, { force: true });
    await upstream.close();
  });

  it('restores from the snapshot, verifies only the events after it, and ends in the same state as a full replay', async () => {
    const gateway = await start();
    try {
      const from = startedFrom(gateway);
      expect(from).toMatchObject({ from: 'snapshot' });
      expect(gateway.app.get(LedgerIntegrity).health().verifiedEvents).toBeLessThan(full.verified);
      expect(statesOf(gateway)).toEqual(full.states);
      // The tail's events grew the log in the last run, unsigned: the node asks the anchor for a checkpoint covering them.
      expect(await gateway.app.get(ReadModelSnapshots).take()).toMatchObject({ taken: true, position: gateway.app.get(ReadModelProjector).health().position });
    } finally {
      await gateway.close();
    }
  });

  it('keeps the rate limit at its exact edge across restarts, from the snapshot and from a full replay', async () => {
    let gateway = await start();
    try {
      expect(startedFrom(gateway)).toMatchObject({ from: 'snapshot' });
      await call(gateway, 'sixth'); // 5 before it: the 6th of 6 passes
      await gateway.app.get(ReadModelSnapshots).take();
      await gateway.close();
      gateway = await start();
      expect(startedFrom(gateway)).toMatchObject({ from: 'snapshot' });
      await expect(call(gateway, 'seventh')).rejects.toMatchObject({ data: { reason: 'LIMIT.RATE_EXCEEDED', limitType: 'rph', current: RPH } });
      await gateway.close();
      gateway = await start({ WARDEN_SNAPSHOTS: 'off' });
      expect(startedFrom(gateway)).toEqual({ from: 'replay' });
      await expect(call(gateway, 'seventh again')).rejects.toMatchObject({ data: { reason: 'LIMIT.RATE_EXCEEDED', limitType: 'rph', current: RPH } });
    } finally {
      await gateway.close();
    }
  });
  it('a running node takes snapshots by itself, after the anchor signed a checkpoint covering them', async () => {
    const gateway = await start({ WARDEN_SNAPSHOT_EVERY_EVENTS: '1', WARDEN_CHECKPOINT_EVERY_EVENTS: '1' });
    let target = 0;
    try {
      const snapshots = gateway.app.get(ReadModelSnapshots);
      const startedAt = gateway.app.get(ReadModelProjector).health().position;
      await expect(call(gateway, 'seventh')).rejects.toMatchObject({ data: { reason: 'LIMIT.RATE_EXCEEDED' } }); // a decision all the same
      await gateway.app.get(CallRecorder).settled();
      // The read models are woken a turn after each commit: wait until they have applied the call's events.
      const projector = gateway.app.get(ReadModelProjector);
      for (let i = 0; i < 100 && projector.health().position <= startedAt; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      target = projector.health().position;
      expect(target).toBeGreaterThan(startedAt);
      for (let i = 0; i < 200 && !(snapshots.health().lastPosition >= target); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(snapshots.health()).toMatchObject({ lastPosition: target, last: { taken: true, position: target } });
    } finally {
      await gateway.close();
    }
    const restarted = await start();
    try {
      expect(startedFrom(restarted)).toEqual({ from: 'snapshot', position: target });
    } finally {
      await restarted.close();
    }
  });

  it('holds the states as they were at its position: a read model changed while it waits for its checkpoint does not reach it', async () => {
    const gateway = await start();
    try {
      const reviews = gateway.app.get(ReviewsReadModel);
      const org = gateway.app.get(ReadModelProjector).capture()!.event.org;
      const at = new Date(nowMs).toISOString();
      const envelope = (type: string, data: Record<string, unknown>) => ({ type, org, at, actor: { kind: 'user', id: 'u' }, data }) as unknown as EventEnvelope;
      // Applied straight to the read model, as the projector applies an event between two others.
      reviews.apply(envelope('ToolCallDecided', { callId: 'c-1', agentId: 'a', serverId: 's', tool: 't', decision: 'observe', rules: [] }));
      await call(gateway, 'grows the log').catch(() => undefined); // something new since the stored snapshot (a call over the rate limit is recorded too)
      await gateway.app.get(AnchorProjection).reached(gateway.app.get(ReadModelProjector).health().position);
      const taking = gateway.app.get(ReadModelSnapshots).take(); // captured now, synchronously
      reviews.apply(envelope('CallReviewed', { callId: 'c-1', comment: 'after the capture' })); // updates the item in place
      expect(reviews.get(org, 'c-1')?.state).toBe('reviewed');
      expect(await taking).toMatchObject({ taken: true });
      const stored = JSON.parse(readSnapshotBody()) as ReadModelSnapshotBody;
      const items = (stored.projections.reviews as { byOrg: Array<[string, Array<{ callId: string; state: string }>]> }).byOrg.find(([o]) => o === org)![1];
      expect(items.find((i) => i.callId === 'c-1')).toMatchObject({ state: 'open' });
    } finally {
      await gateway.close();
    }
  });

  describe('a snapshot that fails a check is refused with the reason, and the node replays the ledger in full', () => {
    let replay: { states: Record<string, unknown>; verified: number };
    const resign = (signer: Signer, edit: (body: ReadModelSnapshotBody) => void) =>
      editSnapshot((snapshot) => {
        edit(snapshot.body);
        return signReadModelSnapshot({ ...snapshot.body, kid: signer.kid }, signer);
      });
    const expectRefused = async (why: RegExp) => {
      const gateway = await start();
      try {
        const from = startedFrom(gateway);
        expect(from).toEqual({ from: 'replay', refused: expect.stringMatching(why) });
        expect(gateway.app.get(LedgerIntegrity).health().verifiedEvents).toBe(replay.verified);
        expect(statesOf(gateway)).toEqual(replay.states);
      } finally {
        await gateway.close();
      }
    };

    beforeAll(async () => {
      const gateway = await start({ WARDEN_SNAPSHOTS: 'off' });
      replay = { states: statesOf(gateway), verified: gateway.app.get(LedgerIntegrity).health().verifiedEvents };
      await gateway.close();
    });

    it('a counter edited in the stored state: the signature no longer verifies', async () => {
      editSnapshot((snapshot) => {
        const rates = (snapshot.body.projections['limit-counters'] as { rates: Array<[string, number, number]> }).rates;
        expect(rates.length).toBeGreaterThan(0);
        for (const row of rates) row[2] = 0;
        return snapshot;
      });
      await expectRefused(/its signature does not verify under ed25519:/);
    });

    it('a signature that is not the node key’s', async () => {
      editSnapshot((snapshot) => ({ ...snapshot, sig: Buffer.alloc(64, 7).toString('base64url') }));
      await expectRefused(/its signature does not verify/);
    });

    it('re-signed by the node key but naming a hash the event at its position does not have', async () => {
      resign(nodeSigner(), (body) => (body.event.hash = '0'.repeat(64)));
      await expectRefused(/the event at the snapshot position: the ledger's event at position \d+ is \S+ with hash [0-9a-f]{64}, the snapshot names \S+ with hash 0{64}/);
    });

    it('re-signed by the node key with an inclusion proof that does not lead to the checkpoint', async () => {
      resign(nodeSigner(), (body) => (body.checkpoint.proof = body.checkpoint.proof.map(() => Buffer.alloc(32, 1).toString('base64'))));
      await expectRefused(/the event at the snapshot position is not in the checkpoint's tree: MERKLE\./);
    });

    it('binds every other organisation log to a signed checkpoint too: re-signed with another log’s root, size or proof forged, it is refused', async () => {
      const body = JSON.parse(readSnapshotBody()) as ReadModelSnapshotBody;
      // The platform log (the organisation's creation, the node's key) has events before P too.
      expect(body.logs.length).toBeGreaterThan(0);
      expect(body.logs.map((l) => l.log)).not.toContain(body.event.org);
      const other = body.logs[0];
      resign(nodeSigner(), (b) => (b.logs[0].rootHash = Buffer.alloc(32, 9).toString('base64')));
      await expectRefused(new RegExp(`the checkpoint says size ${other.size}, root \\S+; the snapshot ${other.size}, CQkJ`));
      restoreSnapshotFile();
      resign(nodeSigner(), (b) => (b.logs[0].proof = [...b.logs[0].proof, Buffer.alloc(32, 1).toString('base64')]));
      await expectRefused(new RegExp(`the last event of log ${other.log} is not in the checkpoint's tree: MERKLE\\.`));
      restoreSnapshotFile();
      resign(nodeSigner(), (b) => (b.logs[0].event.hash = '0'.repeat(64)));
      await expectRefused(new RegExp(`the last event of log ${other.log}: the ledger's event at position ${other.event.position} is \\S+ with hash [0-9a-f]{64}, the snapshot names \\S+ with hash 0{64}`));
      restoreSnapshotFile();
      resign(nodeSigner(), (b) => b.logs.push({ ...b.logs[0] }));
      await expectRefused(new RegExp(`it binds the log ${other.log} twice`));
    });

    it('signed by a key the root never registered', async () => {
      const forger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      resign(forger, () => undefined);
      await expectRefused(new RegExp(`signed by ${forger.kid}, which is not a node key the root registered`));
    });

    it('deleted: no snapshot, the full replay (nothing refused)', async () => {
      rmSync(snapshotFile);
      const gateway = await start();
      try {
        expect(startedFrom(gateway)).toEqual({ from: 'replay' });
        expect(statesOf(gateway)).toEqual(replay.states);
      } finally {
        await gateway.close();
      }
      expect(existsSync(snapshotFile)).toBe(true); // recreated empty, 0600 like the ledger
    });

    it('signed by a second node key the root registered: used; once the root revokes that key: refused', async () => {
      const root = readPrivateKey(developerRootKeyFile(h.dataDir))!.signer;
      const second = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      const store = new SqliteEventStore({ file: join(h.dataDir, 'ledger.db') });
      try {
        expect(await registerNodeKey(store, root, second, 'node-2', systemClock, uuidV7Ids)).toBe('registered');
      } finally {
        await store.close();
      }
      resign(second, () => undefined);
      const gateway = await start();
      expect(startedFrom(gateway)).toMatchObject({ from: 'snapshot' });
      await gateway.close();
      const again = new SqliteEventStore({ file: join(h.dataDir, 'ledger.db') });
      try {
        await revokeKey(again, root, second.kid, 'compromised', systemClock, uuidV7Ids);
      } finally {
        await again.close();
      }
      replay.verified += 2; // the two key events
      await expectRefused(new RegExp(`signed by ${second.kid}, which the root has revoked`));
    });

    it('an event after the snapshot forged into the log still stops the start, naming it', async () => {
      const forger = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      const forged = tamper(h.dataDir, (db, rows) => {
        const decided = rows.filter((r) => r.type === 'ToolCallDecided').at(-1)!;
        const tail = rows.filter((r) => r.stream === decided.stream).at(-1)!;
        const env = forge(decided.env, { seq: tail.env.seq + 1, prev: tail.env.hash }, forger);
        appendRows(db, [env]);
        return env;
      });
      await expect(start()).rejects.toThrow(new RegExp(`read-model replay: the ledger event at position \\d+ \\(id ${forged.id}, ${forged.stream}@\\d+\\) does not verify: UNKNOWN_KEY`));
      expect(readRows(h.dataDir).at(-1)!.id).toBe(forged.id);
    });
  });
});
