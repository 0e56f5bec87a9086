import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyHints } from '../../src/common/key-hints';
import { secretMaterial } from '../../src/vault/credential-schemes';
import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { presented, startCredentialGate, type CredentialGate, type Presented } from '../fixtures/credential-gate';
import type { FixtureMcpServer } from '../fixtures/fixture-mcp-server';
import { startLegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startModernMcpServer } from '../fixtures/modern-mcp-server';
import { startSseMcpServer } from '../fixtures/sse-mcp-server';
import { startOAuthTokenEndpoint, type OAuthTokenEndpoint } from '../fixtures/oauth-token-endpoint';
import { CapturedLogs } from './support/captured-logs';
import { canaryPlaces, dataDirFiles, leaksOf } from './support/data-dir-bytes';
import { startHarness, type ApiResponse, type Harness } from './support/gateway-harness';
import { readLedger } from './support/ledger-reader';
import { runCli } from './support/tamper';

/**
 * Issue 15, the vault: an operator registers a server's credential; warden keeps it encrypted and
 * adds it to every request to that upstream (discovery, calls), for each scheme, against real SDK
 * 1.x and 2.x servers behind a gate that demands the credential. Agents never hold it, and no
 * secret reaches the data directory, the KEK's directory (but the KEK), the logs, or any answer.
 */
describe('vault: credentials injected at call time', () => {
  let h: Harness;
  let kekDir: string;
  const logs = new CapturedLogs();
  const answers: string[] = [];
  const fixtures: FixtureMcpServer[] = [];
  const gates: CredentialGate[] = [];
  let oauth: OAuthTokenEndpoint;
  let agentKey: string;

  const CANARY = {
    bearer: 'cnryBearer7Qx2ZwV9pLmA',
    header: 'cnryHeaderK3yR8tYu1wQ',
    query: 'cnryQueryP4rAm5sEcReT',
    tenant: 'cnryTenantHdr6Vb0Nm',
    extra: 'cnryExtraHdr2Lk9Jh',
    clientId: 'cnryClientId8Gf3Ds',
    clientSecret: 'cnryClientSecret1Az5Xc',
    rotated: 'cnryRotatedB3arer0Pq',
    wrong: 'cnryWrongT0kenMn4Bv',
    cliFile: 'cnryCliFileT0k3nRw2',
    cliStdin: 'cnryCliStdinT0k9Qe4',
  };
  /** private_key_jwt: the client's RSA key pair (every line of the private key's PEM body is a canary too). */
  const clientKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientKeyPem = clientKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyLines = clientKeyPem.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));

  /** The command API, every answer kept for the canary search. */
  const api = async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    const res = await h.api.request(method, path, body);
    answers.push(JSON.stringify(res.body ?? ''));
    return res;
  };

  const agents: Agent[] = [];
  const agentFor = async (slug: string) => {
    const agent = await connectAgent(`${h.url}/mcp/${slug}`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    return agent;
  };
  const echo = async (slug: string, text: string) => {
    const agent = await agentFor(slug);
    const result = await agent.callTool('echo', { text });
    answers.push(JSON.stringify(result));
    return JSON.parse(textOf(result)) as { text: string };
  };
  const failure = async (slug: string) => {
    const agent = await agentFor(slug);
    const error = await agent.callTool('echo', { text: 'x' }).then(
      () => undefined,
      (e: unknown) => e as { code: number; message: string; data: { reason: string } },
    );
    answers.push(JSON.stringify(error));
    return error;
  };

  const gated = async (kind: 'legacy' | 'modern' | 'sse', where: Presented, accepts: (c: string) => boolean) => {
    const upstream = kind === 'legacy' ? await startLegacyMcpServer() : kind === 'modern' ? await startModernMcpServer() : await startSseMcpServer();
    fixtures.push(upstream);
    const gate = await startCredentialGate(upstream.url, where, accepts);
    gates.push(gate);
    return gate;
  };

  const register = async (slug: string, url: string, credential?: Record<string, unknown>) => {
    const res = await api('POST', '/v1/servers', credential ? { name: slug, slug, url, credential } : { name: slug, slug, url });
    if (res.status === 201) await api('POST', `/v1/servers/${res.body.serverId}/tools/echo/approve`, { riskClass: 'read' });
    return res;
  };

  beforeAll(async () => {
    kekDir = mkdtempSync(join(tmpdir(), 'warden-kek-'));
    oauth = await startOAuthTokenEndpoint({ id: CANARY.clientId, secret: CANARY.clientSecret, publicKey: clientKeys.publicKey });
    h = await startHarness({ WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek') }, { logger: logs.logger });
    agentKey = (await h.api.registerAgent('assistant')).apiKey;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await h.cleanup();
    await Promise.all([...gates, ...fixtures, oauth].map((s) => s.close()));
    rmSync(kekDir, { recursive: true, force: true });
  });

  const schemes: Array<[string, () => Record<string, unknown>, Presented, (c: string) => boolean]> = [
    ['bearer', () => ({ scheme: 'bearer', token: CANARY.bearer }), presented.bearer, (c) => c === CANARY.bearer],
    ['api_key in a header', () => ({ scheme: 'api_key', in: 'header', name: 'X-Api-Key', key: CANARY.header }), presented.header('X-Api-Key'), (c) => c === CANARY.header],
    ['api_key in the query', () => ({ scheme: 'api_key', in: 'query', name: 'api_key', key: CANARY.query }), presented.query('api_key'), (c) => c === CANARY.query],
    [
      'custom headers',
      () => ({ scheme: 'headers', headers: { 'X-Tenant': CANARY.tenant, 'X-Extra': CANARY.extra } }),
      presented.headers(['X-Tenant', 'X-Extra']),
      (c) => c === `X-Tenant=${CANARY.tenant}&X-Extra=${CANARY.extra}`,
    ],
    [
      'OAuth client credentials',
      () => ({ scheme: 'oauth_client_credentials', tokenUrl: oauth.url, clientId: CANARY.clientId, clientSecret: CANARY.clientSecret, scope: 'mcp:tools' }),
      presented.bearer,
      (c) => oauth.isValid(c),
    ],
    [
      'OAuth client credentials, private_key_jwt',
      () => ({ scheme: 'oauth_client_credentials', tokenUrl: oauth.url, clientId: CANARY.clientId, privateKey: clientKeyPem, keyId: 'cc-key-1', scope: 'mcp:tools' }),
      presented.bearer,
      (c) => oauth.isValid(c) && oauth.forms.at(-1)?.assertionKid === 'cc-key-1',
    ],
  ];

  it('creates the KEK outside the data directory, 0600, when the first credential is stored (not before)', async () => {
    const kek = join(kekDir, 'kek');
    expect(existsSync(kek)).toBe(false);
    const gate = await gated('legacy', presented.bearer, (c) => c === CANARY.bearer);
    expect((await register('first', gate.url, { scheme: 'bearer', token: CANARY.bearer })).status).toBe(201);
    expect(statSync(kek).mode & 0o777).toBe(0o600);
    expect(dataDirFiles(h.dataDir).map((f) => f.file)).toContain(join(h.dataDir, 'vault.db'));
    expect(statSync(join(h.dataDir, 'vault.db')).mode & 0o777).toBe(0o600);
  });

  describe.each(['legacy', 'modern', 'sse'] as const)('against an SDK %s upstream', (kind) => {
    it.each(schemes)('%s: discovery at registration and every call carry it; the agent never sees it', async (scheme, credential, where, accepts) => {
      const gate = await gated(kind, where, accepts);
      const slug = `${kind}-${scheme.replace(/[^a-z]+/gi, '-').toLowerCase()}`.slice(0, 40).replace(/-+$/, '');
      const res = await register(slug, gate.url, credential());
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ hasCredential: true });
      expect(res.body.tools.length).toBeGreaterThan(0);
      expect(res.body.url).toBe(gate.url); // an API key in the query is never put into the server's URL
      expect(await echo(slug, 'hello')).toEqual({ text: 'hello' });
      expect(gate.refused).toBe(0);
      expect(gate.presentedLog.every((c) => c !== undefined && accepts(c))).toBe(true);
      const shown = await api('GET', `/v1/servers/${res.body.serverId}/credential`);
      expect(shown.status).toBe(200);
      expect(shown.body).toEqual({ serverId: res.body.serverId, scheme: credential().scheme, version: 1, fingerprint: expect.stringMatching(/^#[0-9a-f]{16}$/), createdAt: expect.any(String) });
    });
  });

  it('registering an upstream that demands a credential, without one: 502 UPSTREAM.UNAUTHORIZED, saying the credential was refused', async () => {
    const gate = await gated('legacy', presented.bearer, (c) => c === CANARY.bearer);
    const res = await register('no-credential', gate.url);
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'UPSTREAM.UNAUTHORIZED' });
    expect(res.body.detail).toMatch(/refused the credential/);
    expect(gate.refused).toBeGreaterThan(0);
  });

  it('a wrong secret: the call fails with -32002 UPSTREAM.UNAUTHORIZED (not "unavailable"), rediscovery with 502; the right one works again', async () => {
    const gate = await gated('legacy', presented.bearer, (c) => c === CANARY.bearer);
    const { body: server } = await register('wrong-secret', gate.url, { scheme: 'bearer', token: CANARY.bearer });
    expect(await echo('wrong-secret', 'before')).toEqual({ text: 'before' });
    expect((await api('PUT', `/v1/servers/${server.serverId}/credential`, { scheme: 'bearer', token: CANARY.wrong })).status).toBe(204);
    const error = await failure('wrong-secret');
    expect(error).toMatchObject({ code: -32002, data: { reason: 'UPSTREAM.UNAUTHORIZED' } });
    expect(error!.message).toMatch(/refused the credential/);
    const rediscovered = await api('POST', `/v1/servers/${server.serverId}/rediscover`);
    expect(rediscovered).toMatchObject({ status: 502, body: { code: 'UPSTREAM.UNAUTHORIZED' } });
    expect((await api('PUT', `/v1/servers/${server.serverId}/credential`, { scheme: 'bearer', token: CANARY.bearer })).status).toBe(204);
    expect(await echo('wrong-secret', 'after')).toEqual({ text: 'after' });
    expect((await api('GET', `/v1/servers/${server.serverId}/credential`)).body.version).toBe(3);
  });

  it('moving a server with a credential to a new URL: discovery there carries the credential (it was sent without one)', async () => {
    const before = await gated('legacy', presented.bearer, (c) => c === CANARY.bearer);
    const after = await gated('legacy', presented.bearer, (c) => c === CANARY.bearer);
    const { body: server } = await register('moving', before.url, { scheme: 'bearer', token: CANARY.bearer });
    const current = await fetch(`${h.url}/v1/servers/${server.serverId}`, { headers: { authorization: `Bearer ${h.adminKey}` } });
    const moved = await fetch(`${h.url}/v1/servers/${server.serverId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json', 'if-match': current.headers.get('etag')! },
      body: JSON.stringify({ url: after.url }),
    });
    const body = await moved.text();
    answers.push(body);
    expect({ status: moved.status, body: JSON.parse(body) }).toMatchObject({ status: 200, body: { url: after.url } });
    expect(after.refused).toBe(0);
    expect(after.presentedLog.length).toBeGreaterThan(0);
    expect(await echo('moving', 'moved')).toEqual({ text: 'moved' });
  });

  it('rotation under concurrent calls: none fails, calls in flight finish, new calls carry the new version', async () => {
    let accepted = new Set([CANARY.bearer]);
    const gate = await gated('legacy', presented.bearer, (c) => accepted.has(c));
    const { body: server } = await register('rotating', gate.url, { scheme: 'bearer', token: CANARY.bearer });
    await api('POST', `/v1/servers/${server.serverId}/tools/slow/approve`, { riskClass: 'read' });
    const before = (await api('GET', `/v1/servers/${server.serverId}/credential`)).body;
    const clients = await Promise.all([1, 2, 3, 4].map(() => agentFor('rotating')));
    const inFlight = clients[0].callTool('slow', { ms: 300 });
    accepted = new Set([CANARY.bearer, CANARY.rotated]); // the provider accepts both while keys roll over
    const calls = clients.flatMap((c, i) => Array.from({ length: 8 }, (_, j) => c.callTool('echo', { text: `${i}-${j}` })));
    const rotated = await api('POST', `/v1/servers/${server.serverId}/credential/rotate`, { token: CANARY.rotated });
    expect(rotated.status).toBe(204);
    accepted = new Set([CANARY.rotated]); // and then only the new one
    const results = await Promise.allSettled([inFlight, ...calls]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const seen = gate.presentedLog.length;
    expect(await echo('rotating', 'after rotation')).toEqual({ text: 'after rotation' });
    expect(gate.presentedLog.slice(seen)).toEqual([CANARY.rotated]);
    const after = (await api('GET', `/v1/servers/${server.serverId}/credential`)).body;
    expect(after).toMatchObject({ scheme: 'bearer', version: 2 });
    expect(after.fingerprint).not.toBe(before.fingerprint);
    const events = readLedger(h.dataDir).filter((e) => e.stream === `credential-${server.serverId}`);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['CredentialSet', { serverId: server.serverId, scheme: 'bearer', version: 1, fingerprint: before.fingerprint }],
      ['CredentialRotated', { serverId: server.serverId, scheme: 'bearer', version: 2, fingerprint: after.fingerprint, previousVersion: 1 }],
    ]);
  });

  it('rotations of one server at the same time each get their own version; the last one committed is the one sent, its ciphertext its own', async () => {
    const tokens = ['cnryConcurrentA1x', 'cnryConcurrentB2y', 'cnryConcurrentC3z'];
    let accepted = new Set([CANARY.bearer, ...tokens]);
    const gate = await gated('legacy', presented.bearer, (c) => accepted.has(c));
    const { body: server } = await register('concurrent-rotations', gate.url, { scheme: 'bearer', token: CANARY.bearer });
    const results = await Promise.all(tokens.map((token) => api('POST', `/v1/servers/${server.serverId}/credential/rotate`, { token })));
    expect(results.map((r) => r.status)).toEqual([204, 204, 204]);
    const events = readLedger(h.dataDir).filter((e) => e.stream === `credential-${server.serverId}`);
    expect(events.map((e) => e.data.version)).toEqual([1, 2, 3, 4]);
    const active = (await api('GET', `/v1/servers/${server.serverId}/credential`)).body;
    expect(active).toMatchObject({ version: 4, fingerprint: events.at(-1)!.data.fingerprint });
    // The version the ledger names active opens to the token of the rotation that wrote it (by its fingerprint).
    const hints = h.gateway.app.get(KeyHints);
    const last = tokens.find((token) => hints.hintOf(secretMaterial({ scheme: 'bearer', token })) === active.fingerprint)!;
    expect(last).toBeDefined();
    accepted = new Set([last]);
    const seen = gate.presentedLog.length;
    expect(await echo('concurrent-rotations', 'after three rotations')).toEqual({ text: 'after three rotations' });
    expect(new Set(gate.presentedLog.slice(seen))).toEqual(new Set([last]));
  });

  it('OAuth: the token is cached across calls, renewed once after a 401, and refreshed before it expires', async () => {
    const gate = await gated('modern', presented.bearer, (c) => oauth.isValid(c));
    const { body: server } = await register('oauth-cache', gate.url, {
      scheme: 'oauth_client_credentials',
      tokenUrl: oauth.url,
      clientId: CANARY.clientId,
      clientSecret: CANARY.clientSecret,
      clientAuth: 'post',
      resource: gate.url,
    });
    expect(oauth.forms.at(-1)).toMatchObject({ grant_type: 'client_credentials', client_id: CANARY.clientId, resource: gate.url });
    const start = oauth.requests;
    for (const text of ['a', 'b', 'c']) expect(await echo('oauth-cache', text)).toEqual({ text });
    expect(oauth.requests).toBe(start); // one token for registration and every call: cached

    oauth.revoke(gate.presentedLog.at(-1)!); // the authorization server no longer honours it
    const refusedBefore = gate.refused;
    expect(await echo('oauth-cache', 'renewed')).toEqual({ text: 'renewed' });
    expect(gate.refused).toBe(refusedBefore + 1); // one 401, then one retry with a fresh token
    expect(oauth.requests).toBe(start + 1);

    oauth.expiresIn = 10; // shorter than the refresh margin: each use finds it about to expire
    oauth.revoke(gate.presentedLog.at(-1)!);
    expect(await echo('oauth-cache', 'short-lived')).toEqual({ text: 'short-lived' });
    const refusedNow = gate.refused;
    const requestsNow = oauth.requests;
    expect(await echo('oauth-cache', 'refreshed')).toEqual({ text: 'refreshed' });
    expect(oauth.requests).toBe(requestsNow + 1); // refreshed before use…
    expect(gate.refused).toBe(refusedNow); // …so the upstream never saw an expired token
    oauth.expiresIn = 3600;
    expect((await api('GET', `/v1/servers/${server.serverId}`)).body.hasCredential).toBe(true);
  });

  it('refuses bad credential input with 400 VAULT.INVALID_CREDENTIAL naming the field, echoing nothing; unknown servers 404', async () => {
    const gate = await gated('legacy', () => 'no credential needed', () => true);
    const { body: server } = await register('bad-input', gate.url);
    const bad = await api('PUT', `/v1/servers/${server.serverId}/credential`, { scheme: 'bearer', token: `${CANARY.wrong}\r\nX-Injected: 1` });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VAULT.INVALID_CREDENTIAL', field: 'token' } });
    expect((await api('PUT', `/v1/servers/${server.serverId}/credential`, { scheme: 'bearer', token: 't', password: 'x' })).status).toBe(400);
    expect((await api('GET', `/v1/servers/${server.serverId}/credential`)).body).toMatchObject({ code: 'VAULT.NO_CREDENTIAL' });
    expect((await api('POST', `/v1/servers/${server.serverId}/credential/rotate`, { scheme: 'bearer', token: 't' })).body).toMatchObject({ code: 'VAULT.NO_CREDENTIAL' });
    expect((await api('PUT', '/v1/servers/no-such-server/credential', { scheme: 'bearer', token: 't' })).status).toBe(404);
    expect((await api('PUT', `/v1/servers/${server.serverId}/credential`, { scheme: 'bearer', token: CANARY.bearer })).status).toBe(204);
    expect((await api('POST', `/v1/servers/${server.serverId}/credential/rotate`, { scheme: 'api_key', name: 'X-K', key: 'k' })).body).toMatchObject({ code: 'VAULT.SCHEME_MISMATCH' });
    expect((await api('DELETE', `/v1/servers/${server.serverId}/credential`)).status).toBe(204);
    expect((await api('GET', `/v1/servers/${server.serverId}`)).body.hasCredential).toBe(false);
    const events = readLedger(h.dataDir).filter((e) => e.stream === `credential-${server.serverId}`);
    expect(events.map((e) => e.type)).toEqual(['CredentialSet', 'CredentialRemoved']);
  });

  it('warden credential (CLI): set from a file, rotate from standard input, show, remove, by slug; secrets never on the command line or in its output', async () => {
    let accepted = new Set([CANARY.cliFile, CANARY.cliStdin]);
    let open = true; // registered without a credential: the server lets discovery in, then asks for one
    const gate = await gated('legacy', (req, url) => presented.bearer(req, url) ?? '(none)', (c) => open || accepted.has(c));
    expect((await register('cli-managed', gate.url)).status).toBe(201);
    open = false;
    const cli = async (args: string[], input?: string) => {
      const result = await runCli(['credential', ...args], { env: { WARDEN_API: h.url, WARDEN_KEY: h.adminKey }, input });
      answers.push(result.stdout, result.stderr);
      return result;
    };
    const fileDir = mkdtempSync(join(tmpdir(), 'warden-cli-credential-'));
    const file = join(fileDir, 'credential.json');
    writeFileSync(file, JSON.stringify({ scheme: 'bearer', token: CANARY.cliFile }), { mode: 0o600 });
    const set = await cli(['set', 'cli-managed', '-f', file, '--json']);
    expect(set).toMatchObject({ code: 0 });
    expect(JSON.parse(set.stdout)).toMatchObject({ scheme: 'bearer', version: 1, fingerprint: expect.stringMatching(/^#[0-9a-f]{16}$/) });
    expect(await echo('cli-managed', 'set by the CLI')).toEqual({ text: 'set by the CLI' });

    const rotated = await cli(['rotate', 'cli-managed', '-f', '-', '--json'], `token: ${CANARY.cliStdin}\n`);
    expect(rotated).toMatchObject({ code: 0 });
    expect(JSON.parse(rotated.stdout)).toMatchObject({ scheme: 'bearer', version: 2 });
    accepted = new Set([CANARY.cliStdin]);
    expect(await echo('cli-managed', 'rotated by the CLI')).toEqual({ text: 'rotated by the CLI' });
    expect((await cli(['show', 'cli-managed'])).stdout).toMatch(/^credential:\n.*"version": 2/s);

    // Bad usage is 2 and changes nothing; a bad file is named, never quoted.
    expect(await cli(['set', 'cli-managed'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/needs -f FILE/) });
    expect((await cli(['set', 'cli-managed', '--token', CANARY.cliFile])).code).toBe(2);
    writeFileSync(file, `{"scheme": "bearer", "token": "${CANARY.cliFile}`, { mode: 0o600 });
    expect(await cli(['rotate', 'cli-managed', '-f', file])).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not JSON or YAML/) });
    expect(await cli(['show', 'no-such-server'])).toMatchObject({ code: 1, stdout: expect.stringMatching(/REGISTRY\.SERVER_UNKNOWN/) });
    expect(JSON.parse((await cli(['show', 'cli-managed', '--json'])).stdout)).toMatchObject({ version: 2 });

    expect((await cli(['remove', 'cli-managed'])).code).toBe(0);
    expect(await cli(['show', 'cli-managed'])).toMatchObject({ code: 1, stdout: expect.stringMatching(/VAULT\.NO_CREDENTIAL/) });
    rmSync(fileDir, { recursive: true, force: true });
  });

  it('leaves no canary anywhere: data directory (SQLite files and -wal as bytes), KEK directory but the KEK, logs, answers', async () => {
    await h.settled();
    const secrets = [...Object.values(CANARY), ...keyLines, ...oauth.issued, ...oauth.assertions];
    expect(oauth.assertions.length).toBeGreaterThan(0);
    const places = [
      ...canaryPlaces(h.dataDir, logs.text(), answers),
      ...readdirSync(kekDir)
        .filter((name) => name !== 'kek')
        .map((name) => ({ where: join(kekDir, name), text: readFileSync(join(kekDir, name), 'latin1') })),
    ];
    expect(places.some((p) => p.where.endsWith('vault.db'))).toBe(true);
    expect(places.some((p) => p.where.endsWith('ledger.db-wal') || p.where.endsWith('ledger.db'))).toBe(true);
    expect(leaksOf(secrets, places)).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
  });
});
