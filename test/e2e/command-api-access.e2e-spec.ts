import { commandRoutes, type CommandRoute } from '../../src/identity/command-routes';
import { ROLES, type Role } from '../../src/identity/principal';
import type { RouteAccess } from '../../src/identity/route-access';
import { startHarness, type Harness } from './support/gateway-harness';

/**
 * Issue 12, part A: every command-API route declares who may call it, and the one global guard
 * enforces it. The table below is the specification: a route added without an entry here (or
 * without a declaration) fails the first test; every (caller × route) pair is then tried over
 * real HTTP.
 */
const OPS: Role[] = ['operator', 'admin'];
/** The Merkle log's evidence routes (issue 17). */
const EVIDENCE: Role[] = ['auditor', 'investigator', 'admin'];
const EXPECTED: Record<string, RouteAccess> = {
  'GET /health': { kind: 'public' },
  'POST /v1/agents': { kind: 'roles', roles: OPS },
  'GET /v1/agents': { kind: 'roles', roles: OPS },
  'GET /v1/agents/:agentId': { kind: 'roles', roles: OPS },
  'PATCH /v1/agents/:agentId': { kind: 'roles', roles: OPS },
  'POST /v1/agents/:agentId/suspend': { kind: 'roles', roles: OPS },
  'POST /v1/agents/:agentId/resume': { kind: 'roles', roles: OPS },
  'POST /v1/agents/:agentId/revoke': { kind: 'roles', roles: OPS },
  'POST /v1/agents/:agentId/rotate-key': { kind: 'roles', roles: OPS },
  'POST /v1/servers': { kind: 'roles', roles: OPS },
  'GET /v1/servers': { kind: 'roles', roles: OPS },
  'GET /v1/servers/:serverId': { kind: 'roles', roles: OPS },
  'PATCH /v1/servers/:serverId': { kind: 'roles', roles: OPS },
  'POST /v1/servers/:serverId/disable': { kind: 'roles', roles: OPS },
  'POST /v1/servers/:serverId/enable': { kind: 'roles', roles: OPS },
  'POST /v1/servers/:serverId/remove': { kind: 'roles', roles: OPS },
  'POST /v1/servers/:serverId/health': { kind: 'roles', roles: OPS },
  'PUT /v1/servers/:serverId/credential': { kind: 'roles', roles: OPS },
  'POST /v1/servers/:serverId/credential/rotate': { kind: 'roles', roles: OPS },
  'DELETE /v1/servers/:serverId/credential': { kind: 'roles', roles: OPS },
  'GET /v1/servers/:serverId/credential': { kind: 'roles', roles: OPS },
  'GET /metrics': { kind: 'public' },
  'POST /v1/servers/:serverId/rediscover': { kind: 'roles', roles: OPS },
  'PUT /v1/servers/:serverId/tools/:tool/classification': { kind: 'roles', roles: OPS },
  'POST /v1/servers/:serverId/tools/:tool/approve': { kind: 'roles', roles: OPS },
  'POST /v1/erasures': { kind: 'roles', roles: ['admin'] },
  'GET /v1/exports': { kind: 'roles', roles: ['auditor'] },
  'POST /v1/exports': { kind: 'roles', roles: ['auditor'] },
  'POST /v1/exports/stream': { kind: 'roles', roles: ['auditor'] },
  'GET /v1/retention': { kind: 'roles', roles: ['admin', 'auditor'] },
  'PUT /v1/retention': { kind: 'roles', roles: ['admin'] },
  'POST /v1/tokens': { kind: 'roles', roles: OPS },
  'POST /v1/tokens/:jti/revoke': { kind: 'roles', roles: OPS },
  'GET /v1/whoami': { kind: 'roles', roles: [...ROLES] },
  'POST /agent/v1/tokens': { kind: 'agent' },
  'GET /v1/policies': { kind: 'roles', roles: [...OPS, 'auditor'] },
  'GET /v1/policies/versions': { kind: 'roles', roles: [...OPS, 'auditor'] },
  'PUT /v1/policies': { kind: 'roles', roles: OPS },
  'POST /v1/policies/validate': { kind: 'roles', roles: OPS },
  'POST /v1/policies/rollback': { kind: 'roles', roles: OPS },
  'POST /v1/policies/simulate': { kind: 'roles', roles: OPS },
  'GET /v1/limits': { kind: 'roles', roles: [...OPS, 'auditor'] },
  'PUT /v1/limits': { kind: 'roles', roles: OPS },
  'GET /v1/costs': { kind: 'roles', roles: ['admin', 'auditor', 'operator'] },
  'GET /v1/agents/:agentId/trust': { kind: 'roles', roles: ['operator', 'admin', 'approver', 'auditor'] },
  'POST /v1/agents/:agentId/attest': { kind: 'roles', roles: ['admin'] },
  'GET /v1/reviews': { kind: 'roles', roles: ['approver', 'investigator', 'admin'] },
  'POST /v1/reviews/:callId/review': { kind: 'roles', roles: ['approver', 'investigator', 'admin'] },
  'GET /v1/approvals': { kind: 'roles', roles: ['approver', 'admin'] },
  'POST /v1/approvals/:approvalId/approve': { kind: 'roles', roles: ['approver', 'admin'] },
  'POST /v1/approvals/:approvalId/deny': { kind: 'roles', roles: ['approver', 'admin'] },
  'GET /v1/guardrails': { kind: 'roles', roles: [...OPS, 'auditor'] },
  'PUT /v1/guardrails': { kind: 'roles', roles: OPS },
  'POST /v1/guardrails/validate': { kind: 'roles', roles: OPS },
  'POST /v1/users': { kind: 'roles', roles: ['admin'] },
  'GET /v1/users': { kind: 'roles', roles: ['admin'] },
  'GET /v1/users/:userId': { kind: 'roles', roles: ['admin'] },
  'PUT /v1/users/:userId/roles': { kind: 'roles', roles: ['admin'] },
  'POST /v1/users/:userId/rotate-key': { kind: 'roles', roles: ['admin'] },
  'POST /v1/users/:userId/revoke': { kind: 'roles', roles: ['admin'] },
  'POST /v1/orgs': { kind: 'platform' },
  'GET /v1/orgs': { kind: 'platform' },
  'GET /v1/orgs/:orgId': { kind: 'platform' },
  'POST /v1/orgs/:orgId/suspend': { kind: 'platform' },
  'POST /v1/orgs/:orgId/resume': { kind: 'platform' },
  'GET /v1/log/checkpoint': { kind: 'roles', roles: EVIDENCE },
  'GET /v1/log/checkpoints/:size': { kind: 'roles', roles: EVIDENCE },
  'POST /v1/log/checkpoints/:size/cosignatures': { kind: 'roles', roles: ['auditor', 'admin'] },
  'GET /v1/log/vkey': { kind: 'roles', roles: EVIDENCE },
  'GET /v1/log/proofs/inclusion': { kind: 'roles', roles: EVIDENCE },
  'GET /v1/log/proofs/consistency': { kind: 'roles', roles: EVIDENCE },
  'GET /v1/calls': { kind: 'roles', roles: ['investigator', 'auditor'] },
  'GET /v1/calls/:id': { kind: 'roles', roles: ['investigator', 'auditor'] },
  'GET /v1/workflows/:id': { kind: 'roles', roles: ['investigator', 'auditor'] },
};

/** Routes that are not the command API and so not in its OpenAPI document (Prometheus text). */
const NOT_IN_OPENAPI = new Set(['GET /metrics']);

const key = (r: Pick<CommandRoute, 'method' | 'path'>) => `${r.method} ${r.path}`;
/** Path parameters get ids that exist nowhere: an allowed caller then gets 404 (or 400 for a bad body), after authentication. */
const concrete = (path: string) => path.replace(/:(\w+)/g, (_m, name: string) => `no-such-${name}`);

describe('command API: roles on every route', () => {
  let h: Harness;
  let routes: CommandRoute[];
  const callers: Record<string, string | null> = {};

  beforeAll(async () => {
    h = await startHarness();
    routes = commandRoutes(h.gateway.app);
    for (const role of ROLES) callers[role] = (await h.api.createUser(`${role}-user`, [role])).apiKey;
    callers['no key'] = null;
    callers['agent key'] = (await h.api.registerAgent('an-agent')).apiKey;
    callers['platform key'] = h.platformKey;
    callers['a malformed key'] = 'wdn_user_not-a-key';
  });

  afterAll(async () => {
    await h.cleanup();
  });

  it('finds every route in the table, and every route declares what the table says', () => {
    expect(routes.length).toBeGreaterThan(10);
    const declared = Object.fromEntries(routes.map((r) => [key(r), r.access]));
    expect(Object.keys(declared).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(declared).toEqual(EXPECTED);
  });

  /** Allowed by auth: anything but 401 and an AUTH.* 403 (a 400 for the empty body or a 404 for the made-up id come after authentication). */
  const allowedByAuth = (res: { status: number; body: any }) => res.status !== 401 && !(res.status === 403 && String(res.body?.code).startsWith('AUTH.'));

  const expectation = (access: RouteAccess, caller: string): 'allowed' | 401 | 403 => {
    if (access.kind === 'public') return 'allowed';
    if (access.kind === 'agent') return caller === 'agent key' ? 'allowed' : 401;
    if (caller === 'no key' || caller === 'agent key' || caller === 'a malformed key') return 401;
    if (caller === 'platform key') return access.kind === 'platform' ? 'allowed' : 403;
    if (access.kind === 'platform') return 403;
    return access.roles.includes(caller as Role) ? 'allowed' : 403;
  };

  it('answers every (caller × route) pair as declared: allowed, 401 or 403', async () => {
    const outcomes: string[] = [];
    const mismatches: string[] = [];
    for (const [route, access] of Object.entries(EXPECTED)) {
      const [method, path] = route.split(' ');
      for (const [caller, credential] of Object.entries(callers)) {
        const res = await h.api.request(method, concrete(path), method === 'GET' ? undefined : {}, credential);
        const expected = expectation(access, caller);
        const actual = allowedByAuth(res) ? 'allowed' : res.status;
        outcomes.push(`${route} as ${caller}: ${actual}`);
        if (actual !== expected) mismatches.push(`${route} as ${caller}: expected ${expected}, got ${res.status} ${JSON.stringify(res.body)}`);
        if (actual === 403) expect(res.body.code).toMatch(/^AUTH\.(ROLE_REQUIRED|PLATFORM_ONLY|ORG_USER_REQUIRED)$/);
        if (actual === 401) expect(res.body.code).toMatch(/^AUTH\.(MISSING_KEY|INVALID_KEY)$/);
        expect(res.status).toBeLessThan(500);
      }
    }
    expect(mismatches).toEqual([]);
    expect(outcomes).toHaveLength(Object.keys(EXPECTED).length * Object.keys(callers).length);
  });

  it('describes each route with its roles in the OpenAPI document (x-roles)', async () => {
    const doc = (await (await fetch(`${h.url}/docs`)).json()) as { paths: Record<string, Record<string, { 'x-roles'?: string[] }>> };
    for (const [route, access] of Object.entries(EXPECTED).filter(([route]) => !NOT_IN_OPENAPI.has(route))) {
      const [method, path] = route.split(' ');
      const operation = doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      const roles = access.kind === 'roles' ? access.roles : access.kind === 'platform' ? ['platform-operator'] : access.kind === 'agent' ? ['agent'] : [];
      expect({ route, roles: operation?.['x-roles'] }).toEqual({ route, roles });
    }
  });
});
