import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, base64url, decodeJwt } from 'jose';
import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { CapabilityTokens, CAPABILITY_TOKEN_TYPE } from '../../src/identity/tokens/capability-tokens';
import { nodeKeyFile } from '../../src/ledger/key-files';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { startHarness, type AdminApi, type Harness } from './support/gateway-harness';
import { rawPost } from './support/raw-mcp';

/** Capability tokens (People, roles and tenants, part C): minted, checked at /mcp, narrowed, revoked, attacked. */
describe('capability tokens at /mcp', () => {
  let h: Harness;
  let notesUpstream: LegacyMcpServer;
  let archiveUpstream: LegacyMcpServer;
  let notes: { serverId: string; slug: string };
  let archive: { serverId: string; slug: string };
  let agentId: string;
  let agentKey: string;
  let client: Agent | undefined;
  let nodeKey: KeyObject;
  let nodeKid: string;
  let audience: string;

  beforeAll(async () => {
    notesUpstream = await startLegacyMcpServer();
    archiveUpstream = await startLegacyMcpServer();
    h = await startHarness();
    notes = await h.api.registerServer('Notes', 'notes', notesUpstream.url);
    archive = await h.api.registerServer('Archive', 'archive', archiveUpstream.url);
    for (const tool of ['echo', 'read_note']) {
      await h.api.approve(notes.serverId, tool, 'read');
      await h.api.approve(archive.serverId, tool, 'read');
    }
    const registered = await h.api.registerAgent('assistant');
    agentId = registered.agent.agentId;
    agentKey = registered.apiKey;
    nodeKey = createPrivateKey(readFileSync(nodeKeyFile(h.dataDir, 'node-1'), 'utf8'));
    const tokens = h.gateway.app.get(CapabilityTokens);
    nodeKid = tokens.signingKid;
    audience = tokens.audience;
  });

  afterEach(async () => {
    await client?.close().catch(() => undefined);
    client = undefined;
  });

  afterAll(async () => {
    await h.cleanup();
    await notesUpstream.close();
    await archiveUpstream.close();
  });

  const mint = (body: Record<string, unknown>, api: AdminApi = h.api) => api.request('POST', '/v1/tokens', body);
  const mintEcho = async () => {
    const res = await mint({ agentId, serverId: notes.serverId, tools: ['echo'] });
    expect(res.status).toBe(201);
    return res.body as { token: string; jti: string; exp: number };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const statelessCall = (path: string, token: string, name: string, args: Record<string, unknown> = { text: 'x' }) =>
    rawPost(
      `${h.url}${path}`,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name, arguments: args, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
      },
      { ...bearer(token), 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name },
    );
  const forged = (claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = nodeKey) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: agentId, aud: audience, jti: '01900000-0000-7000-8000-000000000000', iat: now, nbf: now, exp: now + 600, org: h.orgId, server: notes.serverId, tools: ['echo'], ...claims };
    return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: CAPABILITY_TOKEN_TYPE, kid: nodeKid, ...header }).sign(key);
  };
  /** `why`: a part of the message, so that a refusal for another reason than the one probed fails the test. */
  const refusedWith = (res: { status: number; body: any }, status: number, reason: string, why?: string) => {
    expect({ status: res.status, code: res.body?.error?.code, reason: res.body?.error?.data?.reason }).toEqual({
      status,
      code: status === 401 ? -32001 : -32003,
      reason,
    });
    if (why !== undefined) expect(res.body.error.message).toContain(why);
  };

  it('mints an EdDSA JWT for one agent, one server and named tools, signed with the node’s ledger key', async () => {
    const before = Math.floor(Date.now() / 1000);
    const issued = await mintEcho();
    const [header] = issued.token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'EdDSA', typ: CAPABILITY_TOKEN_TYPE, kid: nodeKid });
    const claims = decodeJwt(issued.token);
    expect(claims).toMatchObject({ sub: agentId, org: h.orgId, server: notes.serverId, tools: ['echo'], aud: audience, jti: issued.jti });
    expect(audience).toBe(`warden:${h.gateway.trust.rootKid}`);
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(issued.exp).toBe(claims.exp);
    // The event names the grant, never the token.
    const event = eventsOfType(h.dataDir, 'CapabilityTokenIssued').find((e) => e.data.jti === issued.jti)!;
    expect(event).toMatchObject({ stream: `token-${issued.jti}`, actor: { kind: 'user' } });
    expect(event.data).toEqual({ jti: issued.jti, orgId: h.orgId, agentId, serverId: notes.serverId, tools: ['echo'], exp: issued.exp, kid: nodeKid });
  });

  it('lists and calls only the token’s tools, with the real SDK clients of both eras', async () => {
    const { token, jti } = await mintEcho();
    for (const revision of ['2025-11-25', '2026-07-28'] as const) {
      const a = (client = await connectAgent(`${h.url}/mcp/notes`, { revision, headers: bearer(token) }));
      expect((await a.listTools()).map((t) => t.name)).toEqual(['echo']);
      expect(JSON.parse(textOf(await a.callTool('echo', { text: revision })))).toEqual({ text: revision });
      await a.close();
      client = undefined;
    }
    const agg = (client = await connectAgent(`${h.url}/mcp`, { revision: '2026-07-28', headers: bearer(token) }));
    expect((await agg.listTools()).map((t) => t.name)).toEqual(['notes__echo']);
    await h.settled();
    const decided = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.tokenJti === jti);
    expect(decided).toHaveLength(2);
    expect(decided[0].data.reasons).toContainEqual({ gate: 'token-scope', code: 'GATE.OK', decision: 'allow' });
  });

  it('refuses a token for tool A used on tool B (GATE.TOKEN_SCOPE), recorded, nothing forwarded', async () => {
    const { token } = await mintEcho();
    const forwardedBefore = notesUpstream.requests.withRpcMethod('tools/call').length;
    const res = await statelessCall('/mcp/notes', token, 'read_note', { id: 'n1' });
    expect(res.status).toBe(200);
    expect(res.body.error).toMatchObject({ code: -32003, data: { reason: 'GATE.TOKEN_SCOPE' } });
    expect(notesUpstream.requests.withRpcMethod('tools/call')).toHaveLength(forwardedBefore);
    await h.settled();
    const denied = eventsOfType(h.dataDir, 'ToolCallDecided').filter((e) => e.data.tool === 'read_note' && e.data.decision === 'deny');
    expect(denied.at(-1)!.data.reasons).toContainEqual({ gate: 'token-scope', code: 'GATE.TOKEN_SCOPE', decision: 'deny' });
  });

  it('refuses a token on another server: its endpoint (403) and its tools on the aggregated /mcp', async () => {
    const { token } = await mintEcho();
    refusedWith(await statelessCall('/mcp/archive', token, 'echo'), 403, 'GATE.TOKEN_SCOPE');
    const res = await statelessCall('/mcp', token, 'archive__echo');
    expect(res.body.error).toMatchObject({ code: -32003, data: { reason: 'GATE.TOKEN_SCOPE' } });
    expect(archiveUpstream.requests.withRpcMethod('tools/call')).toHaveLength(0);
    // Nothing but tools: resources and prompts are not relayed for a token.
    const list = await rawPost(`${h.url}/mcp/notes`, { jsonrpc: '2.0', id: 3, method: 'resources/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } }, {
      ...bearer(token),
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'resources/list',
    });
    expect(list.body.error).toMatchObject({ data: { reason: 'GATE.TOKEN_SCOPE' } });
  });

  it('refuses a revoked token on an open 2025 session, at its next request', async () => {
    const { token, jti } = await mintEcho();
    const init = await rawPost(`${h.url}/mcp/notes`, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, bearer(token));
    expect(init.status).toBe(200);
    const session = { ...bearer(token), 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
    const call = () => rawPost(`${h.url}/mcp/notes`, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' } } }, session);
    expect((await call()).body.result).toBeDefined();
    const revoked = await h.api.request('POST', `/v1/tokens/${jti}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ jti, revokedAt: expect.any(String) });
    refusedWith(await call(), 401, 'AUTH.TOKEN_REVOKED');
    // Revoking again answers the first revocation and appends nothing.
    expect((await h.api.request('POST', `/v1/tokens/${jti}/revoke`)).body).toEqual(revoked.body);
    const events = eventsOfType(h.dataDir, 'CapabilityTokenRevoked').filter((e) => e.data.jti === jti);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ stream: `token-${jti}`, data: { jti, orgId: h.orgId, agentId }, actor: { kind: 'user' } });
    const rejected = eventsOfType(h.dataDir, 'RequestRejected').filter((e) => e.data.reason === 'AUTH.TOKEN_REVOKED');
    expect(rejected.length).toBeGreaterThan(0);
  });

  describe('forged and bent tokens', () => {
    it('refuses an expired token (AUTH.TOKEN_EXPIRED)', async () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      const token = await new SignJWT({ org: h.orgId, server: notes.serverId, tools: ['echo'] })
        .setProtectedHeader({ alg: 'EdDSA', typ: CAPABILITY_TOKEN_TYPE, kid: nodeKid })
        .setSubject(agentId).setAudience(audience).setJti('01900000-0000-7000-8000-000000000001')
        .setIssuedAt(past - 600).setNotBefore(past - 600).setExpirationTime(past)
        .sign(nodeKey);
      refusedWith(await statelessCall('/mcp/notes', token, 'echo'), 401, 'AUTH.TOKEN_EXPIRED');
    });

    it('refuses a token not valid yet (AUTH.TOKEN_NOT_YET_VALID)', async () => {
      const { jti } = await mintEcho();
      const token = await forged({ jti, nbf: Math.floor(Date.now() / 1000) + 3600 });
      refusedWith(await statelessCall('/mcp/notes', token, 'echo'), 401, 'AUTH.TOKEN_NOT_YET_VALID');
    });

    it('refuses a token for another audience', async () => {
      const { jti } = await mintEcho();
      const token = await forged({ jti, aud: 'warden:another-deployment' });
      refusedWith(await statelessCall('/mcp/notes', token, 'echo'), 401, 'AUTH.TOKEN_INVALID', 'claim aud does not match');
    });

    it('refuses a tampered payload (a tool added after signing)', async () => {
      const { token } = await mintEcho();
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const widened = base64url.encode(JSON.stringify({ ...claims, tools: ['echo', 'read_note'] }));
      refusedWith(await statelessCall('/mcp/notes', `${header}.${widened}.${signature}`, 'read_note'), 401, 'AUTH.TOKEN_INVALID', 'bad signature');
    });

    it('refuses alg none', async () => {
      const { token } = await mintEcho();
      const payload = token.split('.')[1];
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: CAPABILITY_TOKEN_TYPE, kid: nodeKid }));
      refusedWith(await statelessCall('/mcp/notes', `${header}.${payload}.`, 'echo'), 401, 'AUTH.TOKEN_INVALID', 'algorithm not allowed');
    });

    it('refuses HS256 signed with the node’s public key as the HMAC secret', async () => {
      const { token } = await mintEcho();
      const payload = token.split('.')[1];
      const header = base64url.encode(JSON.stringify({ alg: 'HS256', typ: CAPABILITY_TOKEN_TYPE, kid: nodeKid }));
      const publicKey = createPublicKey(nodeKey);
      for (const secret of [publicKey.export({ format: 'pem', type: 'spki' }), Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')]) {
        const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
        refusedWith(await statelessCall('/mcp/notes', `${header}.${payload}.${sig}`, 'echo'), 401, 'AUTH.TOKEN_INVALID', 'algorithm not allowed');
      }
    });

    it('refuses a key the root never registered (unknown kid), and the right kid on another key', async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const { jti } = await mintEcho();
      refusedWith(await statelessCall('/mcp/notes', await forged({ jti }, { kid: 'ed25519:00000000000000000000000000000000' }, privateKey), 'echo'), 401, 'AUTH.TOKEN_INVALID', 'unknown or revoked signing key');
      refusedWith(await statelessCall('/mcp/notes', await forged({ jti }, {}, privateKey), 'echo'), 401, 'AUTH.TOKEN_INVALID', 'bad signature');
      // The root's key is in the key directory too, but the root signs key events only.
      refusedWith(await statelessCall('/mcp/notes', await forged({ jti }, { kid: h.gateway.trust.rootKid }, privateKey), 'echo'), 401, 'AUTH.TOKEN_INVALID', 'unknown or revoked signing key');
    });

    it('refuses a correctly signed token the ledger never recorded as issued, and claims that differ from its issuance', async () => {
      refusedWith(await statelessCall('/mcp/notes', await forged({}), 'echo'), 401, 'AUTH.TOKEN_INVALID', 'not issued by this deployment');
      const { jti } = await mintEcho();
      const issued = eventsOfType(h.dataDir, 'CapabilityTokenIssued').find((e) => e.data.jti === jti)!.data;
      refusedWith(await statelessCall('/mcp/archive', await forged({ jti, exp: issued.exp, server: archive.serverId }), 'echo'), 401, 'AUTH.TOKEN_INVALID', 'differ from its issuance');
      refusedWith(await statelessCall('/mcp/notes', await forged({ jti, exp: issued.exp + 86400 }), 'echo'), 401, 'AUTH.TOKEN_INVALID', 'differ from its issuance');
      // The same forgery with the issued claims passes: the refusals above are about the claims.
      expect((await statelessCall('/mcp/notes', await forged({ jti, exp: issued.exp }), 'echo')).body.result).toBeDefined();
    });

    it('refuses a token of another organisation: its org claim and its servers are not this one’s', async () => {
      const other = await h.newOrganisation('other');
      const { agent } = await other.api.registerAgent('theirs');
      // Org A's admin cannot mint for org B's agent, nor org B's for A's server.
      expect((await mint({ agentId: agent.agentId, serverId: notes.serverId, tools: ['echo'] })).body.code).toBe('TOKENS.UNKNOWN_AGENT');
      expect((await mint({ agentId: agent.agentId, serverId: notes.serverId, tools: ['echo'] }, other.api)).body.code).toBe('TOKENS.UNKNOWN_SERVER');
      // A token whose org claim names another organisation than its agent's.
      const { jti } = await mintEcho();
      const { exp } = eventsOfType(h.dataDir, 'CapabilityTokenIssued').find((e) => e.data.jti === jti)!.data;
      refusedWith(await statelessCall('/mcp/notes', await forged({ jti, exp, org: other.orgId }), 'echo'), 401, 'AUTH.TOKEN_INVALID', 'differ from its issuance');
      // Org B's agent with a token of its own does not reach org A's server by its slug.
      const theirs = await other.api.registerServer('Notes', 'notes-b', notesUpstream.url);
      const minted = await mint({ agentId: agent.agentId, serverId: theirs.serverId, tools: ['echo'] }, other.api);
      expect(minted.status).toBe(201);
      const res = await statelessCall('/mcp/notes', minted.body.token, 'echo');
      expect({ status: res.status, reason: res.body.error.data.reason }).toEqual({ status: 404, reason: 'GATE.UNKNOWN_SERVER' });
      // Org B's revocation endpoint does not know org A's token.
      expect((await other.api.request('POST', `/v1/tokens/${jti}/revoke`)).status).toBe(404);
    });

    it('keeps person keys out of /mcp: the admin key, and a JWT that is not a capability token', async () => {
      refusedWith(await statelessCall('/mcp/notes', h.adminKey, 'echo'), 401, 'AUTH.INVALID_KEY');
      const { privateKey } = generateKeyPairSync('ed25519');
      const idToken = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA' }).setSubject('alice').setIssuer('https://idp.example').setAudience('warden').setExpirationTime('5m').sign(privateKey);
      refusedWith(await statelessCall('/mcp/notes', idToken, 'echo'), 401, 'AUTH.TOKEN_INVALID', 'unknown or revoked signing key');
      // Even signed by the node key with the issued claims, a JWT not typed as a capability token is refused.
      const { jti } = await mintEcho();
      refusedWith(await statelessCall('/mcp/notes', await forged({ jti }, { typ: 'JWT' }), 'echo'), 401, 'AUTH.TOKEN_INVALID', 'claim typ');
    });
  });

  describe('minting', () => {
    it('refuses bad requests with a clear code and appends nothing', async () => {
      const before = eventsOfType(h.dataDir, 'CapabilityTokenIssued').length;
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ agentId, serverId: notes.serverId, tools: ['nope'] }, 400, 'TOKENS.UNKNOWN_TOOL'],
        [{ agentId, serverId: notes.serverId, tools: [] }, 400, 'VALIDATION.FAILED'],
        [{ agentId, serverId: notes.serverId, tools: ['echo'], ttlSeconds: 3601 }, 400, 'TOKENS.TTL_TOO_LONG'],
        [{ agentId, serverId: notes.serverId, tools: ['echo'], ttlSeconds: 0 }, 400, 'VALIDATION.FAILED'],
        [{ agentId: '01900000-0000-7000-8000-00000000dead', serverId: notes.serverId, tools: ['echo'] }, 404, 'TOKENS.UNKNOWN_AGENT'],
        [{ agentId, serverId: '01900000-0000-7000-8000-00000000dead', tools: ['echo'] }, 404, 'TOKENS.UNKNOWN_SERVER'],
        [{ agentId, serverId: notes.serverId, tools: ['echo'], extra: 1 }, 400, 'VALIDATION.FAILED'],
      ];
      for (const [body, status, code] of cases) {
        const res = await mint(body);
        expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status, code });
      }
      expect(eventsOfType(h.dataDir, 'CapabilityTokenIssued')).toHaveLength(before);
      expect((await h.api.request('POST', '/v1/tokens/not-a-jti/revoke')).status).toBe(404);
      expect((await h.api.request('POST', '/v1/tokens/01900000-0000-7000-8000-00000000dead/revoke')).body.code).toBe('TOKENS.UNKNOWN');
    });

    it('never widens: no token for a server the agent may not use, from the operator or from the agent', async () => {
      const narrow = await h.api.registerAgent('narrow', [notes.serverId]);
      const res = await mint({ agentId: narrow.agent.agentId, serverId: archive.serverId, tools: ['echo'] });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'TOKENS.SERVER_NOT_PERMITTED' });
      const own = await h.api.request('POST', '/agent/v1/tokens', { serverId: archive.serverId, tools: ['echo'] }, narrow.apiKey);
      expect({ status: own.status, code: own.body.code }).toEqual({ status: 403, code: 'TOKENS.SERVER_NOT_PERMITTED' });
    });

    it('lets an agent mint a narrower token for itself with its key, and only with its key', async () => {
      const own = await h.api.request('POST', '/agent/v1/tokens', { serverId: notes.serverId, tools: ['echo'], ttlSeconds: 60 }, agentKey);
      expect(own.status).toBe(201);
      expect(decodeJwt(own.body.token)).toMatchObject({ sub: agentId, tools: ['echo'] });
      expect(own.body.exp - decodeJwt(own.body.token).iat!).toBe(60);
      const event = eventsOfType(h.dataDir, 'CapabilityTokenIssued').find((e) => e.data.jti === own.body.jti)!;
      expect(event.actor).toEqual({ kind: 'agent', id: agentId });
      // An agent names no other agent: the field is refused.
      expect((await h.api.request('POST', '/agent/v1/tokens', { agentId: 'x', serverId: notes.serverId, tools: ['echo'] }, agentKey)).status).toBe(400);
      // A token cannot mint tokens; neither can a person's key; the agent key does not pass /v1.
      for (const key of [own.body.token, h.adminKey]) {
        expect((await h.api.request('POST', '/agent/v1/tokens', { serverId: notes.serverId, tools: ['echo'] }, key)).status).toBe(401);
      }
      expect((await h.api.request('POST', '/v1/tokens', { agentId, serverId: notes.serverId, tools: ['echo'] }, agentKey)).status).toBe(401);
    });

    it('keeps every token out of the ledger and payload files', async () => {
      const { token } = await mintEcho();
      await h.settled();
      const signature = token.split('.')[2];
      for (const file of readdirSync(h.dataDir).filter((f) => f.endsWith('.db') || f.endsWith('-wal'))) {
        const bytes = readFileSync(join(h.dataDir, file)).toString('latin1');
        expect(bytes).not.toContain(signature);
      }
      expect(JSON.stringify(readLedger(h.dataDir))).not.toContain(signature);
    });
  });
});
