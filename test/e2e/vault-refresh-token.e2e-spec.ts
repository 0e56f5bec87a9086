import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/warden-config';
import { CallRecorder } from '../../src/gateway/tool-call/call-recorder';
import { connectAgent, textOf, type Agent } from '../fixtures/agent-clients';
import { presented, startCredentialGate, type CredentialGate } from '../fixtures/credential-gate';
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { startOAuthTokenEndpoint, type OAuthTokenEndpoint } from '../fixtures/oauth-token-endpoint';
import { CapturedLogs } from './support/captured-logs';
import { canaryPlaces, leaksOf } from './support/data-dir-bytes';
import { AdminApi, freePort, startHarness, type ApiResponse, type Harness } from './support/gateway-harness';
import { readLedger } from './support/ledger-reader';

/**
 * Scheme oauth_refresh_token: a server that only knows user-delegated tokens. The operator gives
 * the refresh token they obtained for warden; warden trades it for access tokens at a real local
 * token endpoint, and a refresh token that endpoint rotates is stored as the credential's next
 * version (CredentialRotated, by the vault): the endpoint revokes the whole grant if an old one is
 * ever used again, so every test below fails if warden goes on with a superseded token — across a
 * restart too. No refresh or access token reaches the data directory, the logs or an answer.
 */
describe('vault: oauth_refresh_token (user-delegated tokens, rotated refresh tokens kept)', () => {
  let h: Harness;
  let gateway: RunningGateway | undefined;
  let url: string;
  let kekDir: string;
  let upstream: LegacyMcpServer;
  let endpoint: OAuthTokenEndpoint;
  let publicEndpoint: OAuthTokenEndpoint;
  let agentKey: string;
  const gates: CredentialGate[] = [];
  const agents: Agent[] = [];
  const answers: string[] = [];
  const logs = new CapturedLogs();
  let lastErrorMessage = '';
  let delegatedId = '';
  /** warden_oauth_token_requests_total for a server, by grant and outcome. */
  const tokenRequests = async (serverId: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const line of text.split('\n')) {
      const m = /^warden_oauth_token_requests_total\{(.*)\} (\d+)$/.exec(line);
      if (!m || !m[1].includes(`server="${serverId}"`)) continue;
      counts[`${/grant="([^"]+)"/.exec(m[1])![1]}/${/outcome="([^"]+)"/.exec(m[1])![1]}`] = Number(m[2]);
    }
    return counts;
  };

  const CANARY = { clientId: 'cnryRefreshClient6Tg', clientSecret: 'cnryRefreshSecret2Xv', refreshToken: 'cnryRefreshTok9Lm4Pq', secondRefresh: 'cnrySecondRefresh3Nb', publicRefresh: 'cnryPublicRefresh7Wd' };

  const api = async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    const res = await new AdminApi(url, h.adminKey).request(method, path, body);
    answers.push(JSON.stringify(res.body ?? ''));
    return res;
  };
  const gated = async (accepts: (c: string) => boolean) => {
    const gate = await startCredentialGate(upstream.url, presented.bearer, accepts);
    gates.push(gate);
    return gate;
  };
  const register = async (slug: string, gateUrl: string, credential: Record<string, unknown>) => {
    const res = await api('POST', '/v1/servers', { name: slug, slug, url: gateUrl, credential });
    if (res.status === 201) await api('POST', `/v1/servers/${res.body.serverId}/tools/echo/approve`, { riskClass: 'read' });
    return res;
  };
  const echo = async (slug: string, text: string) => {
    const agent = await connectAgent(`${url}/mcp/${slug}`, { revision: '2025-11-25', headers: { authorization: `Bearer ${agentKey}` } });
    agents.push(agent);
    return agent.callTool('echo', { text }).then(
      (result) => {
        answers.push(JSON.stringify(result));
        return JSON.parse(textOf(result)).text as string;
      },
      (error: { data?: { reason?: string }; message?: string }) => {
        answers.push(JSON.stringify(error), String(error.message));
        lastErrorMessage = String(error.message);
        return `refused: ${error.data?.reason ?? error.message}`;
      },
    );
  };
  const credentialEvents = (serverId: string) => readLedger(h.dataDir).filter((e) => e.stream === `credential-${serverId}`);
  const refreshCredential = (extra: Record<string, unknown> = {}) => ({
    scheme: 'oauth_refresh_token',
    tokenUrl: endpoint.url,
    clientId: CANARY.clientId,
    clientSecret: CANARY.clientSecret,
    refreshToken: CANARY.refreshToken,
    ...extra,
  });

  beforeAll(async () => {
    kekDir = mkdtempSync(join(tmpdir(), 'warden-kek-'));
    upstream = await startLegacyMcpServer();
    endpoint = await startOAuthTokenEndpoint({ id: CANARY.clientId, secret: CANARY.clientSecret, refreshToken: CANARY.refreshToken });
    publicEndpoint = await startOAuthTokenEndpoint({ id: CANARY.clientId, secret: 'unused-by-a-public-client', publicClient: true, refreshToken: CANARY.publicRefresh });
    h = await startHarness({ WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek') }, { logger: logs.logger });
    url = h.url;
    agentKey = (await h.api.registerAgent('assistant')).apiKey;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await (gateway ?? h.gateway).close().catch(() => undefined);
    await Promise.all([...gates, upstream, endpoint, publicEndpoint].map((s) => s.close()));
    rmSync(h.dataDir, { recursive: true, force: true });
    rmSync(kekDir, { recursive: true, force: true });
  });

  it('trades the refresh token for access tokens, cached across calls; a rotated refresh token becomes the next version, and only it is used from then on', async () => {
    endpoint.rotateRefreshTokens = true;
    const gate = await gated((c) => endpoint.isValid(c));
    const res = await register('delegated', gate.url, refreshCredential({ scope: 'files:read' }));
    expect(res.status).toBe(201);
    // Registration's discovery already refreshed once, and the endpoint rotated the token: version 1 holds the new one.
    expect(endpoint.forms.at(-1)).toEqual({ grant_type: 'refresh_token', scope: 'files:read' });
    expect(endpoint.refreshTokens.issued).toHaveLength(1);
    const serverId = res.body.serverId as string;
    delegatedId = serverId;
    expect(credentialEvents(serverId).map((e) => [e.type, e.data.version])).toEqual([['CredentialSet', 1]]);
    const requests = endpoint.requests;
    for (const text of ['a', 'b', 'c']) expect(await echo('delegated', text)).toBe(text);
    expect(endpoint.requests).toBe(requests); // the access token is cached

    endpoint.revoke(gate.presentedLog.at(-1)!); // the access token is no longer honoured: one refresh, rotated again
    expect(await echo('delegated', 'after refresh')).toBe('after refresh');
    expect(endpoint.requests).toBe(requests + 1);
    expect(endpoint.refreshTokens.reuseDetected).toBe(0);
    await waitFor(() => credentialEvents(serverId).length === 2);
    const rotated = credentialEvents(serverId).at(-1)!;
    expect(rotated).toMatchObject({ type: 'CredentialRotated', actor: { kind: 'system', id: 'vault' }, data: { serverId, scheme: 'oauth_refresh_token', version: 2, previousVersion: 1 } });
    expect((await api('GET', `/v1/servers/${serverId}/credential`)).body).toMatchObject({ scheme: 'oauth_refresh_token', version: 2, fingerprint: rotated.data.fingerprint });
    // The new version carries on with the access token it came with: no request for another.
    expect(await echo('delegated', 'on version 2')).toBe('on version 2');
    expect(endpoint.requests).toBe(requests + 1);

    endpoint.revoke(gate.presentedLog.at(-1)!);
    expect(await echo('delegated', 'refreshed from version 2')).toBe('refreshed from version 2');
    expect(endpoint.refreshTokens.reuseDetected).toBe(0); // never an old refresh token
    await waitFor(() => credentialEvents(serverId).length === 3);
  });

  it('goes on after a restart with the refresh token it stored last, also when the first one rotated at registration', async () => {
    const [gate] = gates;
    endpoint.refreshTokens.valid.add(CANARY.secondRefresh);
    const fresh = await gated((c) => endpoint.isValid(c));
    expect((await register('rotated-at-registration', fresh.url, refreshCredential({ refreshToken: CANARY.secondRefresh }))).status).toBe(201);
    const refusedBefore = gate.refused;
    await h.gateway.close();
    gateway = await startGateway(loadConfig({ WARDEN_DATA_DIR: h.dataDir, WARDEN_PORT: String(await freePort()), WARDEN_SQLITE_SYNCHRONOUS: 'NORMAL', WARDEN_HEALTH_INTERVAL_MS: '0', WARDEN_VAULT_KEK_FILE: join(kekDir, 'kek') }), { logger: logs.logger });
    url = gateway.url;
    const before = endpoint.requests;
    expect(await echo('delegated', 'after restart')).toBe('after restart'); // a fresh process: one refresh
    expect(endpoint.requests).toBe(before + 1);
    expect(endpoint.refreshTokens.reuseDetected).toBe(0);
    expect(gate.refused).toBe(refusedBefore); // the upstream never saw a token it refused
    expect(await echo('rotated-at-registration', 'stored rotated')).toBe('stored rotated'); // version 1 holds the rotated token
    expect(endpoint.refreshTokens.reuseDetected).toBe(0);
  });

  it('fails closed once the grant is revoked: UPSTREAM.UNAUTHORIZED saying the refresh token was refused, one attempt, no loop', async () => {
    const [gate] = gates;
    endpoint.refreshTokens.valid.clear();
    endpoint.revoke(gate.presentedLog.at(-1)!);
    const before = endpoint.requests;
    expect(await echo('delegated', 'x')).toBe('refused: UPSTREAM.UNAUTHORIZED');
    expect(endpoint.requests - before).toBeLessThanOrEqual(2); // the refresh after the 401, and at most the retry's
    expect(lastErrorMessage).toMatch(/refused the refresh token/);
    // Operators see it in /metrics (this process started at the restart: one rotation, then the refusal).
    const counts = await tokenRequests(delegatedId);
    expect(counts['refresh_token/rotated']).toBeGreaterThanOrEqual(1);
    expect(counts['refresh_token/refused']).toBeGreaterThanOrEqual(1);
    expect(Object.keys(counts).every((k) => k.startsWith('refresh_token/'))).toBe(true);
  });

  it('a public client refreshes with its client_id alone; a refresh token that is not rotated stays the only version', async () => {
    const gate = await gated((c) => publicEndpoint.isValid(c));
    const res = await register('public', gate.url, { scheme: 'oauth_refresh_token', tokenUrl: publicEndpoint.url, clientId: CANARY.clientId, clientAuth: 'none', refreshToken: CANARY.publicRefresh });
    expect(res.status).toBe(201);
    expect(publicEndpoint.forms.at(-1)).toEqual({ grant_type: 'refresh_token', client_id: CANARY.clientId });
    expect(await echo('public', 'public client')).toBe('public client');
    publicEndpoint.revoke(gate.presentedLog.at(-1)!);
    expect(await echo('public', 'refreshed')).toBe('refreshed');
    expect(credentialEvents(res.body.serverId).map((e) => e.type)).toEqual(['CredentialSet']);
  });

  it('refuses bad oauth_refresh_token input with 400 VAULT.INVALID_CREDENTIAL naming the field, echoing nothing', async () => {
    const gate = await gated(() => true);
    const cases: Array<[Record<string, unknown>, string]> = [
      [refreshCredential({ refreshToken: undefined }), 'refreshToken'],
      [refreshCredential({ refreshToken: `${CANARY.refreshToken}\nX-Evil: 1` }), 'refreshToken'],
      [refreshCredential({ clientAuth: 'none' }), 'clientSecret'],
      [refreshCredential({ clientSecret: undefined }), 'clientSecret'],
      [refreshCredential({ tokenUrl: 'file:///etc/passwd' }), 'tokenUrl'],
    ];
    for (const [credential, field] of cases) {
      expect(await register('bad-refresh', gate.url, credential)).toMatchObject({ status: 400, body: { code: 'VAULT.INVALID_CREDENTIAL', field } });
    }
    expect(gate.presentedLog).toEqual([]);
  });

  it('leaves no refresh or access token anywhere: data directory (bytes), logs, answers', async () => {
    await (gateway ?? h.gateway).app.get(CallRecorder).settled();
    const secrets = [...Object.values(CANARY), ...endpoint.refreshTokens.issued, ...endpoint.issued, ...publicEndpoint.issued];
    expect(endpoint.refreshTokens.issued.length).toBeGreaterThanOrEqual(3);
    const places = canaryPlaces(h.dataDir, logs.text(), answers);
    expect(places.some((p) => p.where.endsWith('vault.db'))).toBe(true);
    expect(leaksOf(secrets, places)).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
