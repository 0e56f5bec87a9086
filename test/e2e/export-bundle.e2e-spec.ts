import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosignatureV1SignerFromSeed, cosignCheckpoint, formatVerifierKey, nodeEd25519, NOTE_SIG_COSIGNATURE_V1, redigestBundle, sha256, BUNDLE_FILES } from '@warden/ledger';
import { AnchorProjection } from '../../src/anchor/anchor-projection';
import { NODE_TRUST } from '../../src/ledger/ledger.module';
import type { NodeTrust } from '../../src/ledger/node-trust';
import { connectAgent } from '../fixtures/agent-clients';
import { presented, startCredentialGate, type CredentialGate } from '../fixtures/credential-gate';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startHarness, type Harness } from './support/gateway-harness';
import { readLedger } from './support/ledger-reader';
import { runCli } from './support/tamper';

/**
 * Issue 17 as an auditor meets it: calls go through a real gateway (the upstream behind a gate
 * that demands a vaulted credential), the compiled `warden export` writes the bundle, the
 * compiled `warden verify-export` (no server, no database) passes it, and fails it, naming the
 * check, once the files are tampered with on disk. The vaulted secret is nowhere in the bundle.
 */
describe('warden export / verify-export against a real gateway', () => {
  const CANARY = 'cnryExportBearer5Tq8Wz';
  const JSON_MAX_EVENTS = 3;
  // Pages of 4 records: every export here crosses many page boundaries of both passes.
  const witnessSeed = sha256('export e2e witness');
  const witnessVkey = formatVerifierKey('witness.test/export', NOTE_SIG_COSIGNATURE_V1, nodeEd25519.fromSeed(witnessSeed).publicKey);
  const witness = cosignatureV1SignerFromSeed('witness.test/export', witnessSeed, () => 1_800_000_000);
  const scratch: string[] = [];
  let upstream: LegacyMcpServer;
  let gate: CredentialGate;
  let h: Harness;
  let auditor: string;
  let rootKid: string;
  let bundle: string;
  let plainBundle: string;

  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'warden-export-'));
    scratch.push(made);
    return made;
  };
  const env = () => ({ ...process.env, WARDEN_API: h.url, WARDEN_KEY: auditor });
  /** The node's own key: an insider who holds it can sign a manifest again (the deeper checks must catch the edit). */
  const insider = () => h.gateway.app.get<NodeTrust>(NODE_TRUST).node.signer;
  const files = (at: string) => Object.fromEntries(readdirSync(at).map((name) => [name, readFileSync(join(at, name), 'utf8')]));
  const copyBundle = (from: string) => {
    const to = dir();
    for (const [name, text] of Object.entries(files(from))) writeFileSync(join(to, name), text);
    return to;
  };

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    gate = await startCredentialGate(upstream.url, presented.bearer, (c) => c === CANARY);
    h = await startHarness({ WARDEN_CHECKPOINT_EVERY_EVENTS: '5', WARDEN_CHECKPOINT_EVERY_MS: '50', WARDEN_LOG_ORIGIN: 'warden.test/export', WARDEN_WITNESS_KEYS: witnessVkey, WARDEN_EXPORT_JSON_MAX_EVENTS: String(JSON_MAX_EVENTS), WARDEN_EXPORT_PAGE_RECORDS: '4' });
    const registered = await h.api.request('POST', '/v1/servers', { name: 'Notes', slug: 'notes', url: gate.url, credential: { scheme: 'bearer', token: CANARY } });
    expect(registered.status).toBe(201);
    await h.api.approve(registered.body.serverId, 'echo', 'read');
    const { apiKey } = await h.api.registerAgent('exported-agent');
    auditor = (await h.api.createUser('ada', ['auditor'])).apiKey;
    rootKid = h.gateway.app.get<NodeTrust>(NODE_TRUST).root.kid;
    const agent = await connectAgent(`${h.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${apiKey}` } });
    try {
      for (let i = 0; i < 7; i++) await agent.callTool('echo', { text: `exported call ${i}` });
    } finally {
      await agent.close();
    }
    await h.settled();
    // One payload erased by an admin (a data-subject request): the bundle says so, with the erasure event.
    const withPayload = readLedger(h.dataDir).find((e) => e.org === h.orgId && e.payload && e.type === 'ToolCallCompleted')!;
    expect((await h.api.request('POST', '/v1/erasures', { eventIds: [withPayload.id], reason: 'request #9' })).status).toBe(201);
    // Every org event so far covered by a signed checkpoint (the anchor trails the ledger; polled, not timed).
    // A checkpoint's own event is a leaf after the size it signs, and checkpoints alone do not grow
    // a log: the target is the org's events up to the last one that is not a checkpoint.
    const orgEvents = readLedger(h.dataDir).filter((e) => e.org === h.orgId);
    let target = orgEvents.length;
    while (target > 0 && orgEvents[target - 1].type === 'CheckpointSigned') target--;
    const projection = h.gateway.app.get(AnchorProjection);
    // Bounded by count (a loaded host took longer than 250 polls once: nothing was cosigned and two tests failed later).
    let cosignedSize: number | undefined;
    for (let i = 0; i < 1500 && cosignedSize === undefined; i++) {
      await projection.checkpointGrownLogs();
      const latest = await h.api.request('GET', '/v1/log/checkpoint', undefined, auditor);
      if (latest.status === 200 && latest.body.size >= target) {
        const cosigned = cosignCheckpoint(latest.body.note, witness);
        expect((await h.api.request('POST', `/v1/log/checkpoints/${latest.body.size}/cosignatures`, { note: cosigned }, auditor)).status).toBe(201);
        cosignedSize = latest.body.size;
      } else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(cosignedSize).toBeGreaterThanOrEqual(target);
    bundle = join(dir(), 'bundle');
    const exported = await runCli(['export', '--org', h.orgId, '--payloads', '--out', bundle], { env: env() });
    expect(exported).toMatchObject({ code: 0 });
    expect(exported.stderr).toMatch(/wrote 6 files/);
    plainBundle = join(dir(), 'plain');
    expect(await runCli(['export', '--org', h.orgId, '--out', plainBundle], { env: env() })).toMatchObject({ code: 0 });
  }, 90_000);

  afterAll(async () => {
    await h?.cleanup();
    await gate?.close();
    await upstream?.close();
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('the bundle verifies offline: every event, the checkpoints with the witness cosignature, the erased payload', async () => {
    const result = await runCli(['verify-export', bundle, '--root-fingerprint', rootKid, '--witness-key', witnessVkey, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: true, org: h.orgId, payloads: { erased: 1 } });
    expect(report.events).toBeGreaterThanOrEqual(7);
    expect(report.payloads.included).toBeGreaterThan(0);
    expect(report.checkpoints.flatMap((c: { cosignatures: unknown[] }) => c.cosignatures)).toEqual([{ witness: expect.stringMatching(/^witness\.test\/export\+[0-9a-f]{8}$/), timestamp: 1_800_000_000 }]);
    const manifest = JSON.parse(readFileSync(join(bundle, BUNDLE_FILES.manifest), 'utf8'));
    const nodeKid = h.gateway.app.get<NodeTrust>(NODE_TRUST).node.signer.kid;
    expect(manifest).toMatchObject({ format: 'warden-export-bundle', version: 2, org: h.orgId, origin: `warden.test/export/${h.orgId}`, payloadsIncluded: true, signature: { kid: nodeKid } });
    expect(report).toMatchObject({ version: 2, manifestSignedBy: nodeKid });
    expect(await runCli(['verify-export', plainBundle, '--root-fingerprint', rootKid, '--witness-key', witnessVkey])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^OK: .* 0 with content\); manifest signed by ed25519:[0-9a-f]{32}/) });
  });

  it('without the witness key the cosignature is from an unknown witness: exit 1, UNKNOWN_WITNESS', async () => {
    const result = await runCli(['verify-export', bundle, '--root-fingerprint', rootKid]);
    expect(result).toMatchObject({ code: 1, stdout: expect.stringMatching(/^FAILED: UNKNOWN_WITNESS at checkpoints\.jsonl:\d+/) });
  });

  it('tampered on disk: an edited file fails FILE_DIGEST; with the digests redone, MANIFEST_SIGNATURE; re-signed by an insider with the node key, HASH_MISMATCH at the line; another root: ROOT_KEY', async () => {
    const edited = copyBundle(bundle);
    const events = readFileSync(join(edited, BUNDLE_FILES.events), 'utf8');
    const lines = events.split('\n');
    const target = lines.findIndex((l) => l.includes('"decision":"allow"'));
    lines[target] = lines[target].replace('"decision":"allow"', '"decision":"deny"');
    writeFileSync(join(edited, BUNDLE_FILES.events), lines.join('\n'));
    expect(await runCli(['verify-export', edited, '--root-fingerprint', rootKid, '--witness-key', witnessVkey])).toMatchObject({ code: 1, stdout: expect.stringMatching(/^FAILED: FILE_DIGEST at events\.jsonl/) });
    writeFileSync(join(edited, BUNDLE_FILES.manifest), redigestBundle(files(edited))[BUNDLE_FILES.manifest]);
    expect(await runCli(['verify-export', edited, '--root-fingerprint', rootKid, '--witness-key', witnessVkey])).toMatchObject({ code: 1, stdout: expect.stringMatching(/^FAILED: MANIFEST_SIGNATURE at manifest\.json/) });
    writeFileSync(join(edited, BUNDLE_FILES.manifest), redigestBundle(files(edited), insider())[BUNDLE_FILES.manifest]);
    const id = JSON.parse(lines[target]).id;
    expect(await runCli(['verify-export', edited, '--root-fingerprint', rootKid, '--witness-key', witnessVkey])).toMatchObject({
      code: 1,
      stdout: expect.stringContaining(`FAILED: HASH_MISMATCH at events.jsonl:${target + 1}, event ${id}`),
    });
    expect(await runCli(['verify-export', bundle, '--root-fingerprint', `ed25519:${'0'.repeat(32)}`])).toMatchObject({ code: 1, stdout: expect.stringMatching(/^FAILED: ROOT_KEY/) });
    // A forged signature (the hash left intact): the same failure with the signature checks on worker threads or on the main thread.
    const forged = copyBundle(bundle);
    const forgedLines = readFileSync(join(forged, BUNDLE_FILES.events), 'utf8').split('\n');
    const victim = forgedLines.length - 3;
    const env = JSON.parse(forgedLines[victim]);
    forgedLines[victim] = JSON.stringify({ ...env, sig: `${env.sig.startsWith('A') ? 'B' : 'A'}${env.sig.slice(1)}` });
    writeFileSync(join(forged, BUNDLE_FILES.events), forgedLines.join('\n'));
    writeFileSync(join(forged, BUNDLE_FILES.manifest), redigestBundle(files(forged), insider())[BUNDLE_FILES.manifest]);
    for (const workers of ['2', '0']) {
      expect(await runCli(['verify-export', forged, '--root-fingerprint', rootKid, '--witness-key', witnessVkey, '--workers', workers])).toMatchObject({
        code: 1,
        stdout: expect.stringContaining(`FAILED: BAD_SIGNATURE at events.jsonl:${victim + 1}, event ${env.id}`),
      });
    }
    expect(await runCli(['verify-export', bundle])).toMatchObject({ code: 2 });
  });

  it('a format 1 bundle (manifest unsigned, as before format 2): refused by default, so that a stripped signature is no way round it; accepted with --allow-unsigned-manifest, said so', async () => {
    const old = copyBundle(bundle);
    const { signature: _signature, ...manifest } = JSON.parse(readFileSync(join(old, BUNDLE_FILES.manifest), 'utf8'));
    writeFileSync(join(old, BUNDLE_FILES.manifest), JSON.stringify({ ...manifest, version: 1 }));
    const args = ['verify-export', old, '--root-fingerprint', rootKid, '--witness-key', witnessVkey];
    expect(await runCli(args)).toMatchObject({ code: 1, stdout: expect.stringMatching(/^FAILED: MANIFEST_SIGNATURE at manifest\.json.*unsigned/) });
    expect(await runCli([...args, '--allow-unsigned-manifest'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^OK: .*; manifest unsigned \(format version 1\)/) });
  });

  it('an exported payload edited on disk (manifest redone): PAYLOAD_DIGEST at its line; the erased one carries no salt', async () => {
    const edited = copyBundle(bundle);
    const lines = readFileSync(join(edited, BUNDLE_FILES.payloads), 'utf8').split('\n');
    const target = lines.findIndex((l) => l.includes('exported call 3'));
    expect(JSON.parse(lines[target])).toMatchObject({ state: 'present', salt: expect.any(String) });
    lines[target] = lines[target].replace('exported call 3', 'exported call 4');
    writeFileSync(join(edited, BUNDLE_FILES.payloads), lines.join('\n'));
    writeFileSync(join(edited, BUNDLE_FILES.manifest), redigestBundle(files(edited), insider())[BUNDLE_FILES.manifest]);
    const id = JSON.parse(lines[target]).eventId;
    expect(await runCli(['verify-export', edited, '--root-fingerprint', rootKid, '--witness-key', witnessVkey])).toMatchObject({
      code: 1,
      stdout: expect.stringContaining(`FAILED: PAYLOAD_DIGEST at payloads.jsonl:${target + 1}, event ${id}`),
    });
    const erased = lines.filter((l) => l.includes('"state":"erased"')).map((l) => JSON.parse(l));
    expect(erased).toHaveLength(1);
    expect(erased[0]).not.toHaveProperty('salt');
    expect(erased[0]).not.toHaveProperty('content');
  });

  it('the vaulted credential appears nowhere in either bundle (canary search)', () => {
    for (const at of [bundle, plainBundle]) for (const text of Object.values(files(at))) expect(text).not.toContain(CANARY);
    // …while the plaintext payloads are there with --payloads, and only then.
    expect(Object.values(files(bundle)).join('')).toContain('exported call 3');
    expect(Object.values(files(plainBundle)).join('')).not.toContain('exported call 3');
  });

  it('POST /v1/exports answers one JSON bundle only for a small range: a larger one is refused (400 EXPORT.TOO_LARGE, pointing to warden export)', async () => {
    const before = readLedger(h.dataDir).filter((e) => e.type === 'ExportCreated').length;
    const refused = await h.api.request('POST', '/v1/exports', { payloads: true }, auditor);
    expect(refused).toMatchObject({ status: 400, body: { code: 'EXPORT.TOO_LARGE' } });
    expect(JSON.stringify(refused.body)).toMatch(/warden export.*\/v1\/exports\/stream/);
    expect(readLedger(h.dataDir).filter((e) => e.type === 'ExportCreated')).toHaveLength(before);
    // One event's instant: a range of one event fits, and the JSON bundle verifies as the streamed one does.
    const one = readLedger(h.dataDir).find((e) => e.org === h.orgId && e.type === 'ToolCallCompleted')!;
    const small = await h.api.request('POST', '/v1/exports', { from: one.at, to: one.at, payloads: true }, auditor);
    expect(small).toMatchObject({ status: 201, body: { manifest: { counts: { events: 1 } } } });
    const at = dir();
    for (const [name, text] of Object.entries(small.body.files as Record<string, string>)) writeFileSync(join(at, name), text);
    expect(await runCli(['verify-export', at, '--root-fingerprint', rootKid, '--witness-key', witnessVkey])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^OK: 1 events/) });
    // The streamed route is what the CLI reads: framed lines, begin first, the manifest last.
    const streamed = await fetch(`${h.url}/v1/exports/stream`, { method: 'POST', headers: { authorization: `Bearer ${auditor}`, 'content-type': 'application/json' }, body: JSON.stringify({ from: one.at, to: one.at }) });
    expect(streamed.status).toBe(201);
    const frames = (await streamed.text()).split('\n');
    expect(frames[0]).toMatch(/^begin\t\{"exportEventId":"[^"]+","events":1,/);
    expect(frames.at(-2)).toMatch(/^end\t\{"exportEventId":"[^"]+","manifest":"\{\\n  \\"format\\": \\"warden-export-bundle\\"/);
    expect(frames.filter((f) => f.startsWith('events.jsonl\t'))).toHaveLength(1);
  });

  it('an export is recorded (ExportCreated) and listed; auditors only, own organisation only', async () => {
    const listed = await h.api.request('GET', '/v1/exports', undefined, auditor);
    expect(listed.status).toBe(200);
    expect(listed.body.exports).toHaveLength(4);
    expect(listed.body.exports[0]).toMatchObject({ payloads: true, uncovered: expect.any(Number), manifestSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const recorded = readLedger(h.dataDir).filter((e) => e.type === 'ExportCreated');
    expect(recorded.map((e) => e.id)).toEqual(listed.body.exports.map((x: { exportEventId: string }) => x.exportEventId));
    expect((await h.api.request('POST', '/v1/exports', {})).status).toBe(403);
    expect(await h.api.request('POST', '/v1/exports', { org: 'someone-else' }, auditor)).toMatchObject({ status: 403, body: { code: 'EXPORT.OTHER_ORGANISATION' } });
    expect(await h.api.request('POST', '/v1/exports', { from: 'yesterday' }, auditor)).toMatchObject({ status: 400 });
    expect(await h.api.request('POST', '/v1/exports/stream', { org: 'someone-else' }, auditor)).toMatchObject({ status: 403, body: { code: 'EXPORT.OTHER_ORGANISATION' } });
    expect(await h.api.request('POST', '/v1/exports/stream', { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, auditor)).toMatchObject({ status: 400, body: { code: 'EXPORT.INVALID_RANGE' } });
    const refused = await runCli(['export', '--org', 'someone-else', '--out', join(dir(), 'x')], { env: env() });
    expect(refused.code).toBe(1);
  });
});
