import {
  cosignatureV1SignerFromSeed,
  cosignaturesOf,
  cosignatureV1Verifier,
  cosignCheckpoint,
  ed25519NoteVerifier,
  formatVerifierKey,
  NOTE_SIG_COSIGNATURE_V1,
  nodeEd25519,
  sha256,
  fromBase64,
  fromHex,
  openCheckpoint,
  rfc9162Hasher,
  toBase64,
  verifyConsistency,
  verifyInclusion,
} from '@warden/ledger';
import { connectAgent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startHarness, type Harness } from './support/gateway-harness';
import { eventsOfType } from './support/ledger-reader';

/**
 * Issue 17: calls go through the gateway; an auditor then fetches the org's signed checkpoint,
 * verifies the note with the published vkey (libs/ledger's checkpoint verifier, as any C2SP tool
 * would), proves a call's decision is in the log, and proves two checkpoints consistent.
 * Another organisation's credentials learn nothing of it (404).
 */
describe('the Merkle log through the API', () => {
  let upstream: LegacyMcpServer;
  let h: Harness;
  let auditor: string;
  let otherAuditor: string;
  const witnessSeed = sha256('e2e witness key');
  const witnessName = 'witness.test/w1';
  const witnessVkey = formatVerifierKey(witnessName, NOTE_SIG_COSIGNATURE_V1, nodeEd25519.fromSeed(witnessSeed).publicKey);
  const witness = cosignatureV1SignerFromSeed(witnessName, witnessSeed, () => 1_800_000_000);
  const stranger = cosignatureV1SignerFromSeed('witness.test/stranger', sha256('not configured'), () => 1_800_000_000);

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness({ WARDEN_CHECKPOINT_EVERY_EVENTS: '4', WARDEN_CHECKPOINT_EVERY_MS: '100', WARDEN_LOG_ORIGIN: 'warden.test/e2e', WARDEN_WITNESS_KEYS: witnessVkey });
    const server = await h.api.registerServer('Notes', 'notes', upstream.url);
    await h.api.approve(server.serverId, 'echo', 'read');
    const { apiKey } = await h.api.registerAgent('evidence-writer');
    auditor = (await h.api.createUser('audrey', ['auditor'])).apiKey;
    const other = await h.newOrganisation('elsewhere');
    otherAuditor = (await other.api.createUser('olivia', ['auditor'])).apiKey;
    const agent = await connectAgent(`${h.url}/mcp/notes`, { revision: '2025-11-25', headers: { authorization: `Bearer ${apiKey}` } });
    try {
      for (let i = 0; i < 6; i++) await agent.callTool('echo', { text: `call ${i}` });
    } finally {
      await agent.close();
    }
    await h.settled();
  }, 60_000);

  afterAll(async () => {
    await h?.cleanup();
    await upstream?.close();
  });

  const get = (path: string, key: string | null = auditor, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${path}`, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
  const json = async (path: string, key: string | null = auditor) => {
    const res = await get(path, key);
    return { status: res.status, body: (await res.json()) as any };
  };
  /** The latest checkpoint, once it covers the org's event `eventId` (the anchor trails the calls; polled, not timed). */
  async function checkpointCovering(eventId: string) {
    let latest: any;
    for (let i = 0; i < 250; i++) {
      latest = (await json('/v1/log/checkpoint')).body;
      const proof = latest?.size ? await json(`/v1/log/proofs/inclusion?eventId=${eventId}&size=${latest.size}`) : undefined;
      if (proof?.status === 200) return latest;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no checkpoint covered ${eventId}; latest ${JSON.stringify(latest)}`);
  }

  it('serves a signed checkpoint that verifies with the org log\u2019s vkey, and the note as text/plain', async () => {
    const lastCall = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.org === h.orgId).at(-1)!;
    const checkpoint = await checkpointCovering(lastCall.id);
    const { body: key } = await json('/v1/log/vkey');
    expect(key.origin).toBe(`warden.test/e2e/${h.orgId}`);
    const opened = openCheckpoint(checkpoint.note, { log: ed25519NoteVerifier(key.vkey) });
    expect(opened).toMatchObject({ ok: true, checkpoint: { origin: key.origin, size: checkpoint.size } });
    if (opened.ok) expect(toBase64(opened.checkpoint.rootHash)).toBe(checkpoint.rootHash);

    const text = await get('/v1/log/checkpoint', auditor, { accept: 'text/plain' });
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    // The latest may have moved on since (outcomes are recorded behind the answers): compare with the stored note of its size.
    const note = await text.text();
    const size = Number(note.split('\n')[1]);
    expect(size).toBeGreaterThanOrEqual(checkpoint.size);
    expect(note).toBe((await json(`/v1/log/checkpoints/${size}`)).body.note);
    const vkeyText = await get('/v1/log/vkey', auditor, { accept: 'text/plain' });
    expect(await vkeyText.text()).toBe(`${key.vkey}\n`);
    // The checkpoint is an event too, on the org's checkpoint stream, signed by the node.
    const recorded = eventsOfType(h.dataDir, 'CheckpointSigned').find((e) => e.id === checkpoint.eventId)!;
    expect(recorded).toMatchObject({ stream: `checkpoints-${h.orgId}`, org: h.orgId, data: { size: checkpoint.size, root: checkpoint.rootHash, note: checkpoint.note } });
  });

  it('proves a call\u2019s decision is in the log: the inclusion proof verifies against the signed root', async () => {
    const call = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.org === h.orgId)[2];
    const checkpoint = await checkpointCovering(call.id);
    const { status, body } = await json(`/v1/log/proofs/inclusion?eventId=${call.id}&size=${checkpoint.size}`);
    expect(status).toBe(200);
    expect(body.leafHash).toBe(toBase64(rfc9162Hasher.hashLeaf(fromHex(call.hash))));
    const proof = body.proof.map((p: string) => fromBase64(p));
    expect(verifyInclusion(fromBase64(body.leafHash), body.leafIndex, checkpoint.size, proof, fromBase64(checkpoint.rootHash))).toEqual({ ok: true });
    // Against another event's leaf, the same proof fails: it is this event's proof.
    const other = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.org === h.orgId)[1];
    expect(verifyInclusion(rfc9162Hasher.hashLeaf(fromHex(other.hash)), body.leafIndex, checkpoint.size, proof, fromBase64(checkpoint.rootHash)).ok).toBe(false);
  });

  it('proves two signed checkpoints consistent, and serves each by its size', async () => {
    const sizes = eventsOfType(h.dataDir, 'CheckpointSigned').filter((e) => e.org === h.orgId).map((e) => e.data.size as number);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    const [first, second] = await Promise.all(sizes.slice(0, 2).map(async (size) => (await json(`/v1/log/checkpoints/${size}`)).body));
    expect([first.size, second.size]).toEqual(sizes.slice(0, 2));
    const { status, body } = await json(`/v1/log/proofs/consistency?from=${first.size}&to=${second.size}`);
    expect(status).toBe(200);
    const proof = body.proof.map((p: string) => fromBase64(p));
    expect(verifyConsistency(first.size, second.size, proof, fromBase64(first.rootHash), fromBase64(second.rootHash))).toEqual({ ok: true });
    expect(verifyConsistency(first.size, second.size, proof, fromBase64(second.rootHash), fromBase64(second.rootHash)).ok).toBe(false);
  });

  it('answers another organisation\u2019s auditor 404 for this org\u2019s event, and with its own log only', async () => {
    const call = eventsOfType(h.dataDir, 'ToolCallDecided').find((e) => e.org === h.orgId)!;
    const res = await json(`/v1/log/proofs/inclusion?eventId=${call.id}`, otherAuditor);
    expect(res).toMatchObject({ status: 404, body: { code: 'LOG.UNKNOWN_EVENT' } });
    const ours = (await json('/v1/log/checkpoint')).body;
    const theirs = await json(`/v1/log/checkpoints/${ours.size}`, otherAuditor);
    if (theirs.status === 200) expect(theirs.body.origin).not.toBe(ours.origin);
    else expect(theirs).toMatchObject({ status: 404, body: { code: 'LOG.UNKNOWN_CHECKPOINT' } });
    const vkey = (await json('/v1/log/vkey', otherAuditor)).body;
    expect(vkey.origin).not.toBe(ours.origin);
    expect(openCheckpoint(ours.note, { log: ed25519NoteVerifier(vkey.vkey) }).ok).toBe(false);
  });

  describe('witness cosignatures (cosignature/v1)', () => {
    const post = (size: number, note: unknown, key: string = auditor) =>
      fetch(`${h.url}/v1/log/checkpoints/${size}/cosignatures`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ note }) }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
    const firstSize = () => eventsOfType(h.dataDir, 'CheckpointSigned').filter((e) => e.org === h.orgId)[0].data.size as number;

    it('accepts a configured witness\u2019s cosignature and serves it with the checkpoint', async () => {
      const size = firstSize();
      const { body: checkpoint } = await json(`/v1/log/checkpoints/${size}`);
      expect(checkpoint.cosignatures).toEqual([]);
      const res = await post(size, cosignCheckpoint(checkpoint.note, witness));
      expect(res.status).toBe(201);
      expect(res.body.accepted).toEqual([{ name: witnessName, keyId: witness.keyId, timestamp: 1_800_000_000 }]);
      const { body: served } = await json(`/v1/log/checkpoints/${size}`);
      expect(served.cosignatures).toEqual(res.body.accepted);
      const { body: key } = await json('/v1/log/vkey');
      const opened = openCheckpoint(served.note, { log: ed25519NoteVerifier(key.vkey), others: [cosignatureV1Verifier(witnessVkey)] });
      expect(opened.ok).toBe(true);
      if (opened.ok) expect(cosignaturesOf(opened.verified, [cosignatureV1Verifier(witnessVkey)])).toEqual(res.body.accepted);
    });

    it('refuses a cosignature by an unknown witness, a forged one and one over another checkpoint, storing none', async () => {
      const size = firstSize();
      // The note as the node signed it (the served one carries the witness's line by now, which would count).
      const checkpoint = { note: eventsOfType(h.dataDir, 'CheckpointSigned').find((e) => e.org === h.orgId && e.data.size === size)!.data.note as string };
      expect(await post(size, cosignCheckpoint(checkpoint.note, stranger))).toMatchObject({ status: 400, body: { code: 'LOG.UNKNOWN_WITNESS' } });
      const forged = cosignCheckpoint(checkpoint.note, witness)
        // One base64 character of the signature changed (past the key id: the key is still the configured witness's).
        .replace(/(\u2014 witness\.test\/w1 .{20})(.)/, (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
      expect(await post(size, forged)).toMatchObject({ status: 400, body: { code: 'LOG.BAD_COSIGNATURE' } });
      const { body: latest } = await json('/v1/log/checkpoint');
      expect(latest.size).not.toBe(size);
      expect(await post(size, cosignCheckpoint(latest.note, witness))).toMatchObject({ status: 400, body: { code: 'LOG.COSIGNATURE_WRONG_CHECKPOINT' } });
      expect(await post(size, 'not a note')).toMatchObject({ status: 400, body: { code: 'LOG.INVALID_COSIGNATURE' } });
      const { body: served } = await json(`/v1/log/checkpoints/${size}`);
      expect(served.cosignatures.map((c: { name: string }) => c.name)).toEqual([witnessName]);
    });

    it('another organisation cannot cosign this org\u2019s checkpoint into its own log', async () => {
      const size = firstSize();
      const { body: checkpoint } = await json(`/v1/log/checkpoints/${size}`);
      const res = await post(size, cosignCheckpoint(checkpoint.note, witness), otherAuditor);
      expect([404, 400]).toContain(res.status);
      expect(['LOG.UNKNOWN_CHECKPOINT', 'LOG.COSIGNATURE_WRONG_CHECKPOINT']).toContain(res.body.code);
    });
  });

  it('refuses malformed sizes and ids with a code, and people without an evidence role', async () => {
    expect(await json('/v1/log/checkpoints/0')).toMatchObject({ status: 400, body: { code: 'LOG.INVALID_SIZE' } });
    expect(await json('/v1/log/checkpoints/1e3')).toMatchObject({ status: 400, body: { code: 'LOG.INVALID_SIZE' } });
    expect(await json('/v1/log/proofs/consistency?from=3&to=2')).toMatchObject({ status: 400, body: { code: 'LOG.INVALID_SIZE' } });
    expect(await json('/v1/log/proofs/consistency?from=1&to=99999999')).toMatchObject({ status: 404, body: { code: 'LOG.SIZE_NOT_REACHED' } });
    expect(await json('/v1/log/proofs/inclusion?eventId=nope')).toMatchObject({ status: 400, body: { code: 'LOG.INVALID_EVENT_ID' } });
    const operator = (await h.api.createUser('oscar', ['operator'])).apiKey;
    expect(await json('/v1/log/checkpoint', operator)).toMatchObject({ status: 403, body: { code: 'AUTH.ROLE_REQUIRED' } });
  });
});
