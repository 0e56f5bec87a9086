import { generateKeyPairSync } from 'node:crypto';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { ACCESS_TOKEN_TYPE, startAuthorizationServer, TOKEN_EXCHANGE_GRANT, type OAuthAuthorizationServer } from '../fixtures/oauth-authorization-server';
import { startProtectedUpstream, type ProtectedMcpUpstream, type ProtectedUpstreamOptions } from '../fixtures/protected-mcp-upstream';
import { CapturedLogs } from './support/captured-logs';
import { canaryPlaces, leaksOf } from './support/data-dir-bytes';
import { startHarness, type ApiResponse, type Harness } from './support/gateway-harness';
import { readLedger } from './support/ledger-reader';

/**
 * Issue 15, scheme mcp_oauth: the MCP authorization flow toward a protected upstream. warden
 * discovers the upstream's protected-resource metadata (RFC 9728) and its authorization server's
 * metadata (RFC 8414), gets a token as an OAuth client (client credentials, or RFC 8693 token
 * exchange) for resource = the upstream's URL (RFC 8707), and sends it only there. A real local
 * authorization server signs JWT access tokens; a real SDK upstream verifies their signature,
 * issuer, audience, expiry and scope. Whatever does not check out is refused, and no secret or
 * token reaches the data directory, the logs or any answer.
 */
describe('vault: mcp_oauth toward a protected MCP upstream', () => {
  let h: Harness;
  let kekDir: string;
  let as: OAuthAuthorizationServer;
  let agentKey: string;
  const logs = new CapturedLogs();
  const answers: string[] = [];
  const agents: Agent[] = [];
  const closers: Array<{ close(): Promise<void> }> = [];
  const servers: OAuthAuthorizationServer[] = [];

  const CANARY = { clientId: 'cnryMcpClient4Rt7Yu', clientSecret: 'cnryMcpSecret9Wq2Ez6', subjectToken: 'cnrySubjectTok3Hj8Kl1' };
  const client = { id: CANARY.clientId, secret: CANARY.clientSecret };
  /** private_key_jwt: the client's key pair (the private key is a canary too: every line of its PEM body). */
  const clientKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clientKeyPem = clientKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyLines = clientKeyPem.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));

  const api = async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    const res = await h.api.request(method, path, body);
    answers.push(JSON.stringify(res.body ?? ''));
    return res;
  };
  const authorizationServer = async (options: Partial<Parameters<typeof startAuthorizationServer>[0]> = {}) => {
    const server = await startAuthorizationServer({ client, subjectToken: CANARY.subjectToken, ...options });
    servers.push(server);
    closers.push(server);
    return server;
  };
  const upstream = async (issuer: OAuthAuthorizationServer, options: ProtectedUpstreamOptions = {}) => {
    const server = await startProtectedUpstream(issuer, options);
    closers.push(server);
    return server;
  };
  const mcpOAuth = (issuer: OAuthAuthorizationServer, extra: Record<string, unknown> = {}) => ({
    scheme: 'mcp_oauth',
    clientId: CANARY.clientId,
    clientSecret: CANARY.clientSecret,
    authorizationServers: [issuer.issuer],
    ...extra,
  });
  const register = async (slug: string, url: string, credential: Record<string, unknown>) => {
    const res = await api('POST', '/v1/servers', { name: slug, slug, url, credential });
    if (res.status === 201) await api('POST', `/v1/servers/${res.body.serverId}/tools/echo/approve`, { riskClass: 'read' });
    return res;
  };
  const agentFor = async (slug: string) => {
    const agent = await connectAgent(`${h.url}/mcp/${slug}`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    return agent;
  };
  const echo = async (slug: string, text: string) => {
    const result = await (await agentFor(slug)).callTool('echo', { text });
    answers.push(JSON.stringify(result));
    return JSON.parse(textOf(result)) as { text: string };
  };
  const failure = async (slug: string) => {
    const error = await (await agentFor(slug)).callTool('echo', { text: 'x' }).then(
      () => undefined,
      (e: unknown) => e as { code: number; message: string; data: { reason: string; requiredScope?: string } },
    );
    answers.push(JSON.stringify(error));
    return error;
  };
  /** Every token an upstream was shown, decoded: what it was issued for. */
  const audiencesShown = (server: ProtectedMcpUpstream) => server.presented.filter((t): t is string => t !== undefined).map((t) => decodeJwt(t).aud);

  beforeAll(async () => {
    kekDir = mkdtempSync(join(tmpdir(), 'warden-kek-'));
    as = await authorizationServer();
    h = await startHarness({ WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek') }, { logger: logs.logger });
    agentKey = (await h.api.registerAgent('assistant')).apiKey;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await Promise.all(closers.map((s) => s.close()));
    rmSync(kekDir, { recursive: true, force: true });
  });

  it('client credentials end to end: discovery, a token for resource = the upstream URL, cached across calls; health checks carry it too', async () => {
    const notes = await upstream(as);
    const res = await register('notes', notes.url, mcpOAuth(as));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ hasCredential: true });
    expect(res.body.tools.length).toBeGreaterThan(0);
    expect(as.forms.at(-1)).toEqual({ grant_type: 'client_credentials', resource: notes.url, scope: 'mcp:tools', clientAuth: 'basic' });
    const requests = as.tokenRequests;
    for (const text of ['a', 'b', 'c']) expect(await echo('notes', text)).toEqual({ text });
    expect(as.tokenRequests).toBe(requests); // one token for registration and every call
    expect(notes.refused).toBe(0);
    expect(notes.accepted.at(-1)).toMatchObject({ iss: as.issuer, aud: notes.url, client_id: CANARY.clientId, scope: 'mcp:tools' });
    // A health check of a credentialed server must present the credential (it went without one: "unauthorized").
    const health = await api('POST', `/v1/servers/${res.body.serverId}/health`);
    expect(health.body.check).toMatchObject({ status: 'healthy' });
    expect(notes.refused).toBe(0);
    expect((await api('GET', `/v1/servers/${res.body.serverId}/credential`)).body).toMatchObject({ scheme: 'mcp_oauth', version: 1 });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^warden_oauth_token_requests_total\\{server="${res.body.serverId}",grant="client_credentials",outcome="issued"\\} [1-9]`, 'm'));
  });

  it('metadata only named by the 401 challenge: the first request goes without a token, the retry carries one', async () => {
    const hidden = await upstream(as, { metadataAt: 'challenge-only' });
    const res = await register('hidden-metadata', hidden.url, mcpOAuth(as));
    expect(res.status).toBe(201);
    expect(hidden.presented[0]).toBeUndefined();
    expect(hidden.presented.slice(1).every((t) => t !== undefined)).toBe(true);
    expect(await echo('hidden-metadata', 'found')).toEqual({ text: 'found' });
  });

  it('token exchange (RFC 8693) when configured: the vaulted subject token is traded for one for this upstream', async () => {
    const exchanged = await upstream(as);
    const credential = mcpOAuth(as, { tokenExchange: { subjectToken: CANARY.subjectToken, audience: 'urn:warden:test-audience' }, clientAuth: 'post' });
    const res = await register('exchanged', exchanged.url, credential);
    expect(res.status).toBe(201);
    expect(as.forms.at(-1)).toEqual({
      grant_type: TOKEN_EXCHANGE_GRANT,
      resource: exchanged.url,
      scope: 'mcp:tools',
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      audience: 'urn:warden:test-audience',
      client_id: CANARY.clientId,
      clientAuth: 'post',
    });
    expect(await echo('exchanged', 'on behalf')).toEqual({ text: 'on behalf' });
    expect(exchanged.accepted.at(-1)).toMatchObject({ sub: 'user:alice', aud: exchanged.url });
    const wrong = await register('exchange-refused', (await upstream(as)).url, mcpOAuth(as, { tokenExchange: { subjectToken: 'not-the-subject' } }));
    expect(wrong).toMatchObject({ status: 502, body: { code: 'UPSTREAM.UNAUTHORIZED' } });
  });

  it('private_key_jwt: the client signs an assertion instead of sending a secret; the server verifies it (aud = its token endpoint, or its issuer when asked)', async () => {
    const keyed = await authorizationServer({ authMethods: ['private_key_jwt'], clientPublicKey: clientKeys.publicKey, authSigningAlgs: ['ES256', 'RS256'] });
    const keyedCredential = (extra: Record<string, unknown> = {}) => ({ scheme: 'mcp_oauth', clientId: CANARY.clientId, privateKey: clientKeyPem, keyId: 'warden-key-1', authorizationServers: [keyed.issuer], ...extra });
    const signed = await upstream(keyed);
    const res = await register('key-signed', signed.url, keyedCredential());
    expect(res.status).toBe(201);
    expect(keyed.forms.at(-1)).toEqual({
      grant_type: 'client_credentials',
      resource: signed.url,
      scope: 'mcp:tools',
      client_id: CANARY.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      clientAuth: 'private_key_jwt',
      assertionAud: keyed.tokenUrl,
      assertionAlg: 'ES256',
      assertionKid: 'warden-key-1',
    });
    expect(await echo('key-signed', 'signed')).toEqual({ text: 'signed' });
    expect(signed.accepted.at(-1)).toMatchObject({ iss: keyed.issuer, aud: signed.url, client_id: CANARY.clientId });
    expect((await api('GET', `/v1/servers/${res.body.serverId}/credential`)).body).toMatchObject({ scheme: 'mcp_oauth', version: 1 });

    expect((await register('key-signed-for-issuer', (await upstream(keyed)).url, keyedCredential({ assertionAudience: 'issuer' }))).status).toBe(201);
    expect(keyed.forms.at(-1)).toMatchObject({ clientAuth: 'private_key_jwt', assertionAud: keyed.issuer });

    // Another key than the one the server registered: refused there, UPSTREAM.UNAUTHORIZED, no token.
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const issuedBefore = keyed.issued.length;
    expect(await register('key-unknown', (await upstream(keyed)).url, keyedCredential({ privateKey: stranger }))).toMatchObject({ status: 502, body: { code: 'UPSTREAM.UNAUTHORIZED' } });
    expect(keyed.issued.length).toBe(issuedBefore);
  });

  it('private_key_jwt toward a server whose metadata does not offer it, or not for the key\'s algorithm: refused before any token request', async () => {
    const secretsOnly = await authorizationServer({ authMethods: ['client_secret_basic'], clientPublicKey: clientKeys.publicKey });
    const rsaOnly = await authorizationServer({ authMethods: ['private_key_jwt'], clientPublicKey: clientKeys.publicKey, authSigningAlgs: ['RS256'] });
    for (const [slug, server, reason] of [
      ['no-jwt-auth', secretsOnly, /does not list private_key_jwt/],
      ['no-es256', rsaOnly, /ES256/],
    ] as const) {
      const res = await register(slug, (await upstream(server)).url, { scheme: 'mcp_oauth', clientId: CANARY.clientId, privateKey: clientKeyPem, authorizationServers: [server.issuer] });
      expect(res).toMatchObject({ status: 502, body: { code: 'UPSTREAM.AUTH_DISCOVERY_FAILED' } });
      expect(res.body.detail ?? res.body.message).toMatch(reason);
      expect(server.tokenRequests).toBe(0);
    }
  });

  it('401 with the cached token: one fresh token, one retry; refused again: UPSTREAM.UNAUTHORIZED, no loop', async () => {
    const renewing = await upstream(as);
    expect((await register('renewing', renewing.url, mcpOAuth(as))).status).toBe(201);
    expect(await echo('renewing', 'first')).toEqual({ text: 'first' });
    const stale = renewing.presented.at(-1)!;
    as.revoke(stale);
    const requests = as.tokenRequests;
    const seen = renewing.presented.length;
    expect(await echo('renewing', 'renewed')).toEqual({ text: 'renewed' });
    expect(as.tokenRequests).toBe(requests + 1);
    expect(renewing.presented.slice(seen, seen + 2)[0]).toBe(stale);
    expect(renewing.presented[seen + 1]).not.toBe(stale);
    expect(as.forms.at(-1)).toMatchObject({ resource: renewing.url, scope: 'mcp:tools' });

    // The retry asks for the scope the 401 challenge names (MCP scope selection), here more than the metadata's.
    renewing.challengeScope = 'mcp:tools mcp:extra';
    as.revoke(renewing.presented.at(-1)!);
    expect(await echo('renewing', 'rescoped')).toEqual({ text: 'rescoped' });
    expect(as.forms.at(-1)).toMatchObject({ resource: renewing.url, scope: 'mcp:tools mcp:extra' });
    expect(renewing.accepted.at(-1)).toMatchObject({ scope: 'mcp:tools mcp:extra' });

    renewing.refuseAll = true;
    const before = { presented: renewing.presented.length, tokens: as.tokenRequests };
    const error = await failure('renewing');
    expect(error).toMatchObject({ code: -32002, data: { reason: 'UPSTREAM.UNAUTHORIZED' } });
    expect(renewing.presented.length - before.presented).toBe(2);
    expect(as.tokenRequests - before.tokens).toBe(1);
    renewing.refuseAll = false;
  });

  it('403 insufficient_scope: UPSTREAM.INSUFFICIENT_SCOPE naming the scope, no new token, no retry', async () => {
    const demanding = await upstream(as, { requiredScope: 'mcp:admin' });
    const requests = as.tokenRequests;
    expect(await register('scope-at-registration', demanding.url, mcpOAuth(as))).toMatchObject({ status: 502, body: { code: 'UPSTREAM.INSUFFICIENT_SCOPE', requiredScope: 'mcp:admin' } });
    expect(as.tokenRequests).toBe(requests + 1);

    const scoped = await upstream(as);
    expect((await register('scoped', scoped.url, mcpOAuth(as))).status).toBe(201);
    expect(await echo('scoped', 'session open')).toEqual({ text: 'session open' });
    scoped.requiredScope = 'mcp:admin';
    const before = { presented: scoped.presented.length, tokens: as.tokenRequests };
    const error = await failure('scoped');
    expect(error).toMatchObject({ data: { reason: 'UPSTREAM.INSUFFICIENT_SCOPE', requiredScope: 'mcp:admin' } });
    expect(scoped.presented.length - before.presented).toBe(1);
    expect(as.tokenRequests).toBe(before.tokens);
  });

  it('refuses protected-resource metadata whose resource is another URL than the upstream (no token asked, none sent)', async () => {
    const decoy = await upstream(as);
    const liar = await upstream(as, { resource: () => decoy.url });
    const requests = as.tokenRequests;
    const res = await register('resource-mismatch', liar.url, mcpOAuth(as));
    expect(res).toMatchObject({ status: 502, body: { code: 'UPSTREAM.AUTH_RESOURCE_MISMATCH' } });
    expect(as.tokenRequests).toBe(requests);
    expect(liar.presented).toEqual([]);
    expect(decoy.presented).toEqual([]);
    const failed = readLedger(h.dataDir).filter((e) => e.type === 'ServerRegistrationFailed').at(-1);
    expect(failed?.data).toMatchObject({ slug: 'resource-mismatch', reason: 'UPSTREAM.AUTH_RESOURCE_MISMATCH' });
  });

  it('refuses an authorization server the credential does not allow: that server is never asked', async () => {
    const rogue = await authorizationServer();
    const elsewhere = await upstream(rogue);
    const res = await register('rogue-as', elsewhere.url, mcpOAuth(as));
    expect(res).toMatchObject({ status: 502, body: { code: 'UPSTREAM.AUTH_SERVER_NOT_ALLOWED' } });
    expect(rogue.metadataFetches).toBe(0);
    expect(rogue.tokenRequests).toBe(0);
    expect(elsewhere.presented).toEqual([]);
  });

  it('refuses authorization server metadata that names another issuer (mix-up defence): no token requested', async () => {
    const mixedUp = await authorizationServer();
    mixedUp.misbehave.metadataIssuer = as.issuer;
    const res = await register('issuer-mismatch', (await upstream(mixedUp)).url, mcpOAuth(mixedUp));
    expect(res).toMatchObject({ status: 502, body: { code: 'UPSTREAM.AUTH_ISSUER_MISMATCH' } });
    expect(mixedUp.metadataFetches).toBe(1);
    expect(mixedUp.tokenRequests).toBe(0);
  });

  it('a token issued for another resource, or by another issuer, is never sent; each server only ever sees tokens for itself', async () => {
    const sloppy = await authorizationServer();
    const victim = await upstream(sloppy);
    const other = await upstream(sloppy);
    sloppy.misbehave.audience = other.url;
    expect(await register('wrong-audience', victim.url, mcpOAuth(sloppy))).toMatchObject({ status: 502, body: { code: 'UPSTREAM.AUTH_AUDIENCE_MISMATCH' } });
    sloppy.misbehave = { tokenIss: 'http://127.0.0.1:9/not-the-issuer' };
    expect(await register('wrong-token-iss', victim.url, mcpOAuth(sloppy))).toMatchObject({ status: 502, body: { code: 'UPSTREAM.AUTH_ISSUER_MISMATCH' } });
    sloppy.misbehave = { responseIss: 'http://127.0.0.1:9/not-the-issuer' };
    expect(await register('wrong-response-iss', victim.url, mcpOAuth(sloppy))).toMatchObject({ status: 502, body: { code: 'UPSTREAM.AUTH_ISSUER_MISMATCH' } });
    expect(victim.presented).toEqual([]);
    expect(other.presented).toEqual([]);
    expect(sloppy.tokenRequests).toBe(3);

    sloppy.misbehave = {};
    expect((await register('first-of-two', victim.url, mcpOAuth(sloppy))).status).toBe(201);
    expect((await register('second-of-two', other.url, mcpOAuth(sloppy))).status).toBe(201);
    expect(await echo('first-of-two', 'one')).toEqual({ text: 'one' });
    expect(await echo('second-of-two', 'two')).toEqual({ text: 'two' });
    expect(new Set(audiencesShown(victim))).toEqual(new Set([victim.url]));
    expect(new Set(audiencesShown(other))).toEqual(new Set([other.url]));
  });

  it('the authorization server and its metadata pass the egress guard: a link-local address is refused, never connected', async () => {
    const metadataHost = 'http://169.254.169.254';
    const guarded = await upstream(as, { authorizationServers: [metadataHost] });
    const res = await register('egress', guarded.url, mcpOAuth(as, { authorizationServers: [metadataHost] }));
    expect(res).toMatchObject({ status: 502, body: { code: 'UPSTREAM.EGRESS_REFUSED', reason: expect.stringMatching(/^EGRESS\./) } });
  });

  it('refuses bad mcp_oauth input with 400 VAULT.INVALID_CREDENTIAL naming the field, echoing nothing', async () => {
    const target = await upstream(as);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ scheme: 'mcp_oauth', clientId: 'c', clientSecret: CANARY.clientSecret }, 'authorizationServers'],
      [{ ...mcpOAuth(as), authorizationServers: ['not a url'] }, 'authorizationServers[0]'],
      [{ ...mcpOAuth(as), tokenExchange: { audience: 'urn:x' } }, 'tokenExchange.subjectToken'],
      [{ ...mcpOAuth(as), tokenExchange: { subjectToken: CANARY.subjectToken, extra: 1 } }, 'tokenExchange.extra'],
      [{ ...mcpOAuth(as), clientSecret: `${CANARY.clientSecret}\r\nX: 1` }, 'clientSecret'],
      [{ ...mcpOAuth(as), tokenUrl: 'http://127.0.0.1/token' }, 'tokenUrl'],
      [{ ...mcpOAuth(as), privateKey: clientKeyPem }, 'clientSecret'],
      [{ ...mcpOAuth(as), clientSecret: undefined, privateKey: clientKeyPem.replace(/\n/g, ' ') }, 'privateKey'],
      [{ ...mcpOAuth(as), clientSecret: undefined, privateKey: clientKeyPem, assertionAudience: 'everyone' }, 'assertionAudience'],
    ];
    for (const [credential, field] of cases) {
      const res = await register('bad-mcp-oauth', target.url, credential);
      expect(res).toMatchObject({ status: 400, body: { code: 'VAULT.INVALID_CREDENTIAL', field } });
    }
    expect(target.presented).toEqual([]);
  });

  it('leaves no secret or token anywhere: data directory (bytes), logs, answers', async () => {
    await h.settled();
    const secrets = [...Object.values(CANARY), ...keyLines, ...servers.flatMap((s) => [...s.issued, ...s.assertions])];
    expect(servers.some((s) => s.assertions.length > 0)).toBe(true);
    expect(secrets.length).toBeGreaterThan(10);
    const places = canaryPlaces(h.dataDir, logs.text(), answers);
    expect(places.some((p) => p.where.endsWith('vault.db'))).toBe(true);
    expect(leaksOf(secrets, places)).toEqual([]);
  });
});
