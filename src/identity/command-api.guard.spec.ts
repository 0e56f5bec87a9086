import { Controller, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { KeyHints } from '../common/key-hints';
import type { RejectedRequests, UnauthenticatedRejection } from '../gateway/tool-call/rejected-requests';
import type { OrganisationsReadModel } from '../tenancy/organisations.read-model';
import { UserKeyAuthenticator } from './api-key-authenticators';
import { AuthenticatorRegistry } from './authenticator-registry';
import { CommandApiGuard } from './command-api.guard';
import type { BearerAuthenticator } from './principal';
import type { PrincipalRequest } from './principal-request';
import { Public, Roles } from './route-access';
import type { UsersReadModel } from './users/users.read-model';

@Controller('t')
class Routes {
  @Get('undeclared')
  undeclared() {}

  @Public()
  @Get('public')
  open() {}

  @Roles('auditor')
  @Get('audit')
  audit() {}
}

describe('CommandApiGuard', () => {
  const recorded: UnauthenticatedRejection[] = [];
  const rejections = { record: async (r: UnauthenticatedRejection) => void recorded.push(r) } as unknown as RejectedRequests;
  const organisations = { get: (orgId: string) => ({ orgId, name: 'o', createdAt: '', suspended: orgId === 'suspended' }) } as unknown as OrganisationsReadModel;
  const hints = new KeyHints(new Uint8Array(32).fill(7));
  const asUser = (orgId: string, roles: string[]): BearerAuthenticator => ({
    name: 'test',
    authenticate: (token) => (token === 'good' ? { kind: 'user', orgId, userId: 'u', roles: roles as never, via: 'api-key' } : undefined),
  });
  const guardWith = (authenticator: BearerAuthenticator) => {
    const registry = new AuthenticatorRegistry();
    registry.register(authenticator);
    return new CommandApiGuard(new Reflector(), registry, organisations, rejections, hints);
  };
  const call = (guard: CommandApiGuard, handler: keyof Routes, authorization?: string) => {
    const request: PrincipalRequest = { headers: authorization ? { authorization } : {}, ip: '127.0.0.1', url: `/t/${handler}` };
    const context = new ExecutionContextHost([request, {}], Routes, Routes.prototype[handler] as () => void);
    return guard.canActivate(context).then(() => request);
  };

  it('refuses a route that declares nothing, even to a valid admin: fail closed', async () => {
    await expect(call(guardWith(asUser('o1', ['admin'])), 'undeclared', 'Bearer good')).rejects.toMatchObject({ code: 'AUTH.ROUTE_UNDECLARED' });
  });

  it('lets anybody through a @Public route, a holder of a declared role through a @Roles route, nobody else', async () => {
    await expect(call(guardWith(asUser('o1', [])), 'open')).resolves.toBeDefined();
    await expect(call(guardWith(asUser('o1', ['auditor'])), 'audit', 'Bearer good')).resolves.toMatchObject({ principal: { userId: 'u' } });
    await expect(call(guardWith(asUser('o1', ['operator', 'admin'])), 'audit', 'Bearer good')).rejects.toMatchObject({ code: 'AUTH.ROLE_REQUIRED' });
    await expect(call(guardWith(asUser('suspended', ['auditor'])), 'audit', 'Bearer good')).rejects.toMatchObject({ code: 'TENANCY.ORG_SUSPENDED' });
  });

  it('refuses a credential nobody claims (401) and records it by hint only', async () => {
    recorded.length = 0;
    await expect(call(guardWith(asUser('o1', ['auditor'])), 'audit', 'Bearer s3cret-token')).rejects.toMatchObject({ code: 'AUTH.INVALID_KEY' });
    await expect(call(guardWith(asUser('o1', ['auditor'])), 'audit')).rejects.toMatchObject({ code: 'AUTH.MISSING_KEY' });
    expect(recorded).toEqual([
      { source: '127.0.0.1', reason: 'AUTH.INVALID_KEY', path: '/t/audit', keyHint: hints.hintOf('s3cret-token') },
      { source: '127.0.0.1', reason: 'AUTH.MISSING_KEY', path: '/t/audit', keyHint: null },
    ]);
    expect(JSON.stringify(recorded)).not.toContain('s3cret');
  });
});

describe('UserKeyAuthenticator', () => {
  const user = { userId: 'u', orgId: 'o', roles: ['auditor'], revoked: false, expiresAt: '2030-01-01T00:00:00.000Z' };
  const users = { byKeyHash: () => user } as unknown as UsersReadModel;
  const at = (iso: string) => new UserKeyAuthenticator(users, { nowMs: () => Date.parse(iso), nowIso: () => iso });

  it('accepts a key before its expiry and refuses it from then on (401 AUTH.KEY_EXPIRED); leaves other kinds of key to others', () => {
    expect(at('2029-12-31T23:59:59Z').authenticate('wdn_user_x')).toMatchObject({ kind: 'user', userId: 'u' });
    expect(() => at('2030-01-01T00:00:00Z').authenticate('wdn_user_x')).toThrow(expect.objectContaining({ code: 'AUTH.KEY_EXPIRED' }));
    expect(at('2029-01-01T00:00:00Z').authenticate('wdn_admin_x')).toBeUndefined();
  });
});
