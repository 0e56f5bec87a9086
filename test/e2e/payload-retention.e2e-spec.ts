import { fromBase64, fromHex, rfc9162Hasher, verifyInclusion, type EventEnvelope } from '@warden/ledger';
import { PAYLOAD_STORE, type PayloadStore } from '@warden/payload-store';
import { RetentionSchedule } from '../../src/erasure/retention/retention-schedule';
import { RetentionSweep } from '../../src/erasure/retention/retention-sweep';
import { connectAgent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startHarness, type AdminApi, type Harness } from './support/gateway-harness';
import { readLedger } from './support/ledger-reader';
import { verifyJson } from './support/tamper';
import { until } from './support/until';

const DAY_MS = 86_400_000;

/**
 * Payload retention: organisation A sets 30 days through the API, organisation B has the
 * deployment default (WARDEN_PAYLOAD_RETENTION_DAYS=90). The sweep runs on the schedule with a
 * clock the test moves, erases through the erasure handler (a signed PayloadsErased, reason
 * "retention", first), only what is older than each organisation's rule; afterwards
 * `warden verify --payloads` passes and inclusion proofs of the erased events still verify.
 */
describe('payload retention', () => {
  let upstream: LegacyMcpServer;
  let h: Harness;
  let orgB: { orgId: string; api: AdminApi };
  let auditor: string;

  async function callsIn(api: AdminApi, count: number) {
    const server = await api.registerServer('Notes', 'notes', upstream.url);
    await api.approve(server.serverId, 'echo', 'read');
    const { apiKey } = await api.registerAgent('retained');
    const agent = await connectAgent(`${h.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${apiKey}` } });
    try {
      for (let i = 0; i < count; i++) await agent.callTool('echo', { text: `secret-ish content ${i}` });
    } finally {
      await agent.close();
    }
  }
  const withPayload = (org: string) => readLedger(h.dataDir).filter((e) => e.org === org && e.payload);
  const payloads = () => h.gateway.app.get<PayloadStore>(PAYLOAD_STORE);
  const statuses = async (events: EventEnvelope[]) => Promise.all(events.map(async (e) => (await payloads().get(e.org, e.id)).status));
  const erasures = () => readLedger(h.dataDir).filter((e) => e.type === 'PayloadsErased');

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness({ WARDEN_PAYLOAD_RETENTION_DAYS: '90', WARDEN_RETENTION_INTERVAL_MS: '0', WARDEN_CHECKPOINT_EVERY_EVENTS: '4', WARDEN_CHECKPOINT_EVERY_MS: '100' });
    orgB = await h.newOrganisation('bee');
    await callsIn(h.api, 3);
    await callsIn(orgB.api, 2);
    await h.settled();
    auditor = (await h.api.createUser('audrey', ['auditor'])).apiKey;
  }, 60_000);

  afterAll(async () => {
    await h?.cleanup();
    await upstream?.close();
  });

  it('shows the rule in force: the deployment default until the organisation sets its own', async () => {
    expect(await h.api.request('GET', '/v1/retention', undefined, auditor)).toMatchObject({ status: 200, body: { days: 90, source: 'default' } });
    const set = await h.api.request('PUT', '/v1/retention', { days: 30 });
    expect(set).toMatchObject({ status: 200, body: { changed: true, days: 30, source: 'organisation' } });
    expect((await h.api.request('PUT', '/v1/retention', { days: 30 })).body).toMatchObject({ changed: false, days: 30 });
    expect((await orgB.api.request('GET', '/v1/retention')).body).toMatchObject({ days: 90, source: 'default' });
    const recorded = readLedger(h.dataDir).filter((e) => e.type === 'PayloadRetentionSet');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ stream: `retention-${h.orgId}`, org: h.orgId, data: { days: 30 }, actor: { kind: 'user' } });
  });

  it('refuses a bad rule with RETENTION.INVALID and records nothing; an auditor may read, not set', async () => {
    for (const body of [{}, { days: 0 }, { days: 1.5 }, { days: '30' }, { days: 36_501 }, { days: 30, extra: true }, [30]]) {
      expect(await h.api.request('PUT', '/v1/retention', body)).toMatchObject({ status: 400, body: { code: 'RETENTION.INVALID' } });
    }
    expect(await h.api.request('PUT', '/v1/retention', { days: 1 }, auditor)).toMatchObject({ status: 403, body: { code: 'AUTH.ROLE_REQUIRED' } });
    expect(readLedger(h.dataDir).filter((e) => e.type === 'PayloadRetentionSet')).toHaveLength(1);
  });

  it('on the schedule, erases nothing younger than the rule, then what is older: signed first, reason "retention", this organisation only', async () => {
    const ours = withPayload(h.orgId);
    const theirs = withPayload(orgB.orgId);
    expect(ours.length).toBeGreaterThanOrEqual(3);
    expect(theirs.length).toBeGreaterThanOrEqual(2);
    const schedule = h.gateway.app.get(RetentionSchedule);
    let now = Date.now() + 29 * DAY_MS;
    const clock = { nowMs: () => now };
    schedule.start(clock, 20);
    try {
      const before = schedule.completed();
      await until(() => schedule.completed() >= before + 2, 20_000);
      expect(schedule.completed()).toBeGreaterThanOrEqual(before + 2);
      expect(erasures()).toHaveLength(0);
      now = Date.now() + 31 * DAY_MS;
      await until(() => erasures().length > 0, 20_000);
    } finally {
      schedule.stop();
    }
    // The erasure event is appended first, the payloads erased after it: let that sweep finish.
    await schedule.idle();
    const [erasure] = erasures();
    expect(erasure).toMatchObject({ stream: `erasure-${h.orgId}`, org: h.orgId, actor: { kind: 'system', id: 'retention' }, data: { reason: 'retention' } });
    expect([...(erasure.data.eventIds as string[])].sort()).toEqual(ours.map((e) => e.id).sort());
    expect(await statuses(ours)).toEqual(ours.map(() => 'erased'));
    expect(await statuses(theirs)).toEqual(theirs.map(() => 'present'));
  });

  it('applies the deployment default where an organisation has no rule; a second sweep finds nothing more', async () => {
    const sweep = h.gateway.app.get(RetentionSweep);
    expect(await sweep.run(Date.now() + 60 * DAY_MS)).toEqual([]);
    const results = await sweep.run(Date.now() + 91 * DAY_MS);
    expect(results).toEqual([expect.objectContaining({ orgId: orgB.orgId, days: 90, erased: withPayload(orgB.orgId).length })]);
    expect(await statuses(withPayload(orgB.orgId))).toEqual(withPayload(orgB.orgId).map(() => 'erased'));
    expect(await sweep.run(Date.now() + 91 * DAY_MS)).toEqual([]);
    expect(erasures()).toHaveLength(2);
  });

  it('leaves every proof intact: an erased call\u2019s inclusion proof verifies against the signed checkpoint', async () => {
    const erased = withPayload(h.orgId)[0];
    let checkpoint: any;
    let proof: any;
    for (let i = 0; i < 250 && !proof; i++) {
      checkpoint = (await h.api.request('GET', '/v1/log/checkpoint', undefined, auditor)).body;
      const res = checkpoint?.size ? await h.api.request('GET', `/v1/log/proofs/inclusion?eventId=${erased.id}&size=${checkpoint.size}`, undefined, auditor) : undefined;
      if (res?.status === 200) proof = res.body;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(proof.leafHash).toBe(Buffer.from(rfc9162Hasher.hashLeaf(fromHex(erased.hash))).toString('base64'));
    expect(verifyInclusion(fromBase64(proof.leafHash), proof.leafIndex, checkpoint.size, proof.proof.map((p: string) => fromBase64(p)), fromBase64(checkpoint.rootHash))).toEqual({ ok: true });
  });

  it('passes warden verify --payloads afterwards (every erased payload named by a signed erasure)', async () => {
    await h.stop();
    const { code, report } = await verifyJson(h.dataDir, '--payloads');
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    const erasedCount = withPayload(h.orgId).length + withPayload(orgB.orgId).length;
    expect((report as any).payloads).toMatchObject({ ok: true, erased: erasedCount, problems: [] });
  }, 60_000);
});
