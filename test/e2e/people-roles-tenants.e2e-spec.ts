import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server';
import { AdminApi, startHarness, type Harness } from './support/gateway-harness';
import { eventsOfType, readLedger } from './support/ledger-reader';
import { modernHeaders, modernMeta, rawPost } from './support/raw-mcp';

/** Issue 12, part A, through the real command API and the real MCP edge. */
describe('people, roles and tenants', () => {
  let h: Harness;
  let upstream: LegacyMcpServer;
  let platform: AdminApi;
  const listTools = (url: string, key: string) =>
    rawPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernMeta } }, { authorization: `Bearer ${key}`, ...modernHeaders('tools/list') });

  beforeAll(async () => {
    upstream = await startLegacyMcpServer();
    h = await startHarness();
    platform = new AdminApi(h.url, h.platformKey);
  });

  afterAll(async () => {
    await h.cleanup();
    await upstream.close();
  });

  describe('the platform operator', () => {
    it('creates and lists organisations, whose new admin key works at once, and sees none of their data', async () => {
      const created = await platform.request('POST', '/v1/orgs', { name: 'acme' });
      expect(created.status).toBe(201);
      expect(created.body.adminKey).toMatch(/^wdn_admin_/);
      const acme = new AdminApi(h.url, created.body.adminKey);
      expect((await acme.request('GET', '/v1/servers')).status).toBe(200);
      const list = await platform.request('GET', '/v1/orgs');
      expect(list.body.organisations.map((o: { name: string }) => o.name)).toEqual(expect.arrayContaining(['default', 'acme']));
      expect(JSON.stringify(list.body)).not.toContain(created.body.adminKey);
      for (const path of ['/v1/servers', '/v1/agents', '/v1/users']) {
        expect(await platform.request('GET', path)).toMatchObject({ status: 403, body: { code: 'AUTH.ORG_USER_REQUIRED' } });
      }
      expect(eventsOfType(h.dataDir, 'OrganisationCreated').at(-1)!.actor).toEqual({ kind: 'user', id: expect.stringMatching(/^platform-operator:/) });
    });

    it('suspends an organisation: its users (403 TENANCY.ORG_SUSPENDED) and agents (also on /mcp) are refused until it is resumed', async () => {
      const created = await platform.request('POST', '/v1/orgs', { name: 'to-suspend' });
      const org = new AdminApi(h.url, created.body.adminKey);
      const orgId = created.body.organisation.orgId as string;
      const server = await org.registerServer('Notes', 'notes', upstream.url);
      await org.approve(server.serverId, 'echo', 'read');
      const agentKey = (await org.registerAgent('worker')).apiKey;
      expect((await listTools(`${h.url}/mcp/notes`, agentKey)).status).toBe(200);

      expect(await platform.request('POST', `/v1/orgs/${orgId}/suspend`, { reason: 'unpaid' })).toMatchObject({ status: 200, body: { suspended: true } });
      expect(await org.request('GET', '/v1/servers')).toMatchObject({ status: 403, body: { code: 'TENANCY.ORG_SUSPENDED' } });
      const refused = await listTools(`${h.url}/mcp/notes`, agentKey);
      expect(refused.status).toBe(403);
      expect(refused.body.error.data.reason).toBe('TENANCY.ORG_SUSPENDED');
      expect(await platform.request('POST', `/v1/orgs/${orgId}/suspend`, {})).toMatchObject({ status: 409, body: { code: 'TENANCY.ORG_ALREADY_SUSPENDED', state: 'suspended' } });

      expect(await platform.request('POST', `/v1/orgs/${orgId}/resume`)).toMatchObject({ status: 200, body: { suspended: false } });
      expect((await org.request('GET', '/v1/servers')).status).toBe(200);
      expect((await listTools(`${h.url}/mcp/notes`, agentKey)).status).toBe(200);
      expect(await platform.request('POST', `/v1/orgs/${orgId}/resume`)).toMatchObject({ status: 409, body: { code: 'TENANCY.ORG_NOT_SUSPENDED', state: 'active' } });
      expect(await platform.request('POST', '/v1/orgs/no-such-org/suspend', {})).toMatchObject({ status: 404, body: { code: 'TENANCY.ORG_UNKNOWN' } });
    });
  });

  describe('users', () => {
    it('creates a user whose key (shown once, hashed) carries its roles; rotation stops the old key at once; revocation stops it for good', async () => {
      const created = await h.api.createUser('olga', ['operator']);
      const olga = new AdminApi(h.url, created.apiKey);
      expect((await olga.request('GET', '/v1/servers')).status).toBe(200);
      expect(await olga.request('POST', '/v1/erasures', {})).toMatchObject({ status: 403, body: { code: 'AUTH.ROLE_REQUIRED', requiredRoles: ['admin'] } });
      expect(JSON.stringify(readLedger(h.dataDir))).not.toContain(created.apiKey.slice('wdn_user_'.length));
      for (const key of [created.apiKey, h.platformKey, h.adminKey]) {
        const mcp = await listTools(`${h.url}/mcp`, key); // a person's key never passes /mcp
        expect({ status: mcp.status, reason: mcp.body.error.data.reason }).toEqual({ status: 401, reason: 'AUTH.INVALID_KEY' });
      }
      expect((await h.api.request('GET', `/v1/users/${created.user.userId}`)).body).not.toHaveProperty('apiKey');

      const rotated = await h.api.request('POST', `/v1/users/${created.user.userId}/rotate-key`, {});
      expect(rotated.status).toBe(200);
      expect(await olga.request('GET', '/v1/servers')).toMatchObject({ status: 401, body: { code: 'AUTH.INVALID_KEY' } });
      const olgaRotated = new AdminApi(h.url, rotated.body.apiKey);
      expect((await olgaRotated.request('GET', '/v1/servers')).status).toBe(200);

      expect((await h.api.request('POST', `/v1/users/${created.user.userId}/revoke`, {})).status).toBe(200);
      expect(await olgaRotated.request('GET', '/v1/servers')).toMatchObject({ status: 401, body: { code: 'AUTH.INVALID_KEY' } });
      for (const [method, path, body] of [
        ['PUT', 'roles', { roles: ['admin'] }],
        ['POST', 'rotate-key', {}],
        ['POST', 'revoke', {}],
      ] as const) {
        expect(await h.api.request(method, `/v1/users/${created.user.userId}/${path}`, body)).toMatchObject({ status: 409, body: { code: 'USERS.REVOKED', state: 'revoked' } });
      }
      const events = readLedger(h.dataDir).filter((e) => e.stream === `user-${created.user.userId}`);
      expect(events.map((e) => e.type)).toEqual(['UserCreated', 'UserKeyRotated', 'UserRevoked']);
      for (const e of events) expect(e.actor).toEqual({ kind: 'user', id: expect.any(String) });
    });

    it('refuses an expiry in the past (400) and accepts a key until its expiry', async () => {
      expect(await h.api.request('POST', '/v1/users', { name: 'late', roles: ['auditor'], expiresAt: '2001-01-01T00:00:00Z' })).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION.FAILED', field: 'expiresAt' },
      });
      const soon = await h.api.request('POST', '/v1/users', { name: 'soon', roles: ['operator'], expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      expect(soon.status).toBe(201);
      expect((await new AdminApi(h.url, soon.body.apiKey).request('GET', '/v1/servers')).status).toBe(200);
    });

    it('lets no operator grant itself (or anyone) admin: only admins manage users', async () => {
      const op = await h.api.createUser('ambitious', ['operator']);
      const asOperator = new AdminApi(h.url, op.apiKey);
      expect(await asOperator.request('PUT', `/v1/users/${op.user.userId}/roles`, { roles: ['admin'] })).toMatchObject({ status: 403, body: { code: 'AUTH.ROLE_REQUIRED' } });
      expect(await asOperator.request('POST', '/v1/users', { name: 'sock-puppet', roles: ['admin'] })).toMatchObject({ status: 403 });
      expect((await h.api.request('GET', `/v1/users/${op.user.userId}`)).body.roles).toEqual(['operator']);
      expect(await h.api.request('PUT', `/v1/users/${op.user.userId}/roles`, { roles: ['root'] })).toMatchObject({ status: 400, body: { code: 'VALIDATION.FAILED' } });
    });

    it("refuses to revoke or demote the organisation's last admin (409 USERS.LAST_ADMIN)", async () => {
      const created = await platform.request('POST', '/v1/orgs', { name: 'one-admin' });
      const bootstrap = new AdminApi(h.url, created.body.adminKey);
      const users = (await bootstrap.request('GET', '/v1/users')).body.users as Array<{ userId: string; kind: string }>;
      expect(users).toEqual([expect.objectContaining({ kind: 'bootstrap-key', roles: ['admin'] })]);
      expect(await bootstrap.request('POST', `/v1/users/${users[0].userId}/revoke`, {})).toMatchObject({ status: 409, body: { code: 'USERS.LAST_ADMIN' } });

      const ada = await bootstrap.createUser('ada', ['admin']);
      expect((await bootstrap.request('POST', `/v1/users/${users[0].userId}/revoke`, {})).status).toBe(200);
      expect((await bootstrap.request('GET', '/v1/users')).status).toBe(401); // the bootstrap key is gone
      const asAda = new AdminApi(h.url, ada.apiKey);
      expect(await asAda.request('PUT', `/v1/users/${ada.user.userId}/roles`, { roles: ['operator'] })).toMatchObject({ status: 409, body: { code: 'USERS.LAST_ADMIN' } });
      expect(await asAda.request('POST', `/v1/users/${ada.user.userId}/revoke`, {})).toMatchObject({ status: 409, body: { code: 'USERS.LAST_ADMIN' } });
      expect(await asAda.request('PUT', `/v1/users/${users[0].userId}/roles`, { roles: ['operator'] })).toMatchObject({ status: 409, body: { code: 'USERS.BOOTSTRAP_KEY_FIXED' } });
    });

    it('two admins revoking each other at once leave one admin, never none', async () => {
      const created = await platform.request('POST', '/v1/orgs', { name: 'duel' });
      const bootstrap = new AdminApi(h.url, created.body.adminKey);
      const a = await bootstrap.createUser('a', ['admin']);
      const b = await bootstrap.createUser('b', ['admin']);
      const bootstrapId = (await bootstrap.request('GET', '/v1/users')).body.users[0].userId;
      expect((await bootstrap.request('POST', `/v1/users/${bootstrapId}/revoke`, {})).status).toBe(200);
      const [ab, ba] = await Promise.all([
        new AdminApi(h.url, a.apiKey).request('POST', `/v1/users/${b.user.userId}/revoke`, {}),
        new AdminApi(h.url, b.apiKey).request('POST', `/v1/users/${a.user.userId}/revoke`, {}),
      ]);
      // The loser is refused either at authentication (already revoked: 401) or as the last admin (409).
      expect([ab.status, ba.status].sort()).toEqual([200, expect.any(Number)]);
      const loser = ab.status === 200 ? ba : ab;
      expect([401, 409]).toContain(loser.status);
      const winner = new AdminApi(h.url, ab.status === 200 ? a.apiKey : b.apiKey);
      const admins = ((await winner.request('GET', '/v1/users')).body.users as Array<{ roles: string[]; revoked: boolean }>).filter((u) => !u.revoked && u.roles.includes('admin'));
      expect(admins).toHaveLength(1);
    });

    it('applies concurrent role updates of one user one at a time: the stale one gets 409 CONFLICT.STALE_REVISION, no update is lost', async () => {
      const u = await h.api.createUser('contested', ['auditor']);
      const revision = u.user.revision;
      const results = await Promise.all(
        (['investigator', 'approver', 'operator'] as const).map((role) => h.api.request('PUT', `/v1/users/${u.user.userId}/roles`, { roles: [role], expectedRevision: revision })),
      );
      const won = results.filter((r) => r.status === 200);
      expect(won).toHaveLength(1);
      for (const lost of results.filter((r) => r.status !== 200)) expect(lost).toMatchObject({ status: 409, body: { code: 'CONFLICT.STALE_REVISION', revision: revision + 1 } });
      const now = (await h.api.request('GET', `/v1/users/${u.user.userId}`)).body;
      expect(now).toMatchObject({ roles: won[0].body.user.roles, revision: revision + 1 });
    });
  });

  describe('organisation isolation', () => {
    it("answers every route probed with another organisation's ids 404, never its data, never 500; /mcp/<their slug> too", async () => {
      const mine = await h.api.registerServer('Mine', 'mine', upstream.url);
      const myUser = await h.api.createUser('mine-user', ['auditor']);
      const other = await h.newOrganisation('other');
      const otherAgent = await other.api.registerAgent('theirs');
      const probes: Array<[string, string, unknown]> = [
        ['GET', `/v1/servers/${mine.serverId}`, undefined],
        ['POST', `/v1/servers/${mine.serverId}/rediscover`, {}],
        ['PUT', `/v1/servers/${mine.serverId}/tools/echo/classification`, { riskClass: 'read' }],
        ['POST', `/v1/servers/${mine.serverId}/tools/echo/approve`, { riskClass: 'read' }],
        ['GET', `/v1/users/${myUser.user.userId}`, undefined],
        ['PUT', `/v1/users/${myUser.user.userId}/roles`, { roles: ['admin'] }],
        ['POST', `/v1/users/${myUser.user.userId}/rotate-key`, {}],
        ['POST', `/v1/users/${myUser.user.userId}/revoke`, {}],
        ['POST', '/v1/agents', { name: 'x', servers: [mine.serverId] }],
      ];
      for (const [method, path, body] of probes) {
        const res = await other.api.request(method, path, body);
        expect({ path, status: res.status }).toEqual({ path, status: res.status === 400 ? 400 : 404 });
        expect(JSON.stringify(res.body)).not.toContain('Mine');
      }
      const erasure = eventsOfType(h.dataDir, 'ServerRegistered').find((e) => e.data.serverId === mine.serverId)!;
      expect((await other.api.request('POST', '/v1/erasures', { eventIds: [erasure.id], reason: 'probe' })).status).toBe(404);
      for (const path of ['/v1/servers', '/v1/agents', '/v1/users']) {
        const res = await other.api.request('GET', path);
        expect(res.status).toBe(200);
        expect(JSON.stringify(res.body)).not.toContain(h.orgId);
      }
      expect((await h.api.request('GET', `/v1/users/${myUser.user.userId}`)).body.roles).toEqual(['auditor']);
      expect((await listTools(`${h.url}/mcp/mine`, otherAgent.apiKey)).body.error.data.reason).toBe('GATE.UNKNOWN_SERVER');
    });
  });

  describe('rejected requests', () => {
    it('records a flood of 500 bad keys at /mcp and /v1 boundedly, and the counts add up', async () => {
      const before = readLedger(h.dataDir).length;
      const bad = 'wdn_agent_ThisIsNotAKeyThisIsNotAKeyThisIsNotAKeyAbc';
      for (let i = 0; i < 250; i++) {
        expect((await listTools(`${h.url}/mcp`, bad)).status).toBe(401);
        expect((await h.api.request('GET', '/v1/agents', undefined, bad)).status).toBe(401);
      }
      await h.settled();
      await h.stop(); // open windows are flushed on shutdown
      const events = readLedger(h.dataDir).slice(before);
      const single = events.filter((e) => e.type === 'RequestRejected' && e.data.reason === 'AUTH.INVALID_KEY');
      const summaries = events.filter((e) => e.type === 'RequestsRejected');
      expect(events.length).toBeLessThanOrEqual(25);
      expect(summaries).toEqual([expect.objectContaining({ data: expect.objectContaining({ source: '127.0.0.1', reason: 'AUTH.INVALID_KEY' }) })]);
      expect(single.length + (summaries[0].data as { count: number }).count).toBe(500);
    });
  });
});
