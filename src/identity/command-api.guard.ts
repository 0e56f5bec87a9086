import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { bearerToken } from '../common/api-keys';
import { KeyHints } from '../common/key-hints';
import { WardenError } from '../common/warden-error';
import { RejectedRequests } from '../gateway/tool-call/rejected-requests';
import { OrganisationsReadModel } from '../tenancy/organisations.read-model';
import { AuthenticatorRegistry } from './authenticator-registry';
import type { Principal } from './principal';
import type { PrincipalRequest } from './principal-request';
import { ROUTE_ACCESS, type RouteAccess } from './route-access';

/**
 * The command API's one guard (global): reads the route's declared access (@Roles, @PlatformOnly,
 * @Public), authenticates the bearer credential through the AuthenticatorRegistry, and checks it.
 * A route with no declaration is refused, whoever calls: fail closed. Authentication failures are
 * recorded, bounded per source and reason (RejectedRequests).
 */
@Injectable()
export class CommandApiGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticators: AuthenticatorRegistry,
    private readonly organisations: OrganisationsReadModel,
    private readonly rejections: RejectedRequests,
    private readonly hints: KeyHints,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    if (!access) throw new WardenError('forbidden', 'AUTH.ROUTE_UNDECLARED', 'this route declares no roles, so nobody may call it');
    // Public routes need nothing; agent-key routes are authenticated by their own guard (AgentKeyGuard).
    if (access.kind === 'public' || access.kind === 'agent') return true;
    const request = context.switchToHttp().getRequest<PrincipalRequest>();
    const principal = await this.authenticate(request);
    request.principal = principal;
    if (access.kind === 'platform') {
      if (principal.kind !== 'platform') throw new WardenError('forbidden', 'AUTH.PLATFORM_ONLY', 'only the platform operator may do this');
      return true;
    }
    if (principal.kind !== 'user') {
      throw new WardenError('forbidden', 'AUTH.ORG_USER_REQUIRED', "the platform operator sees no organisation's data; use a user key of the organisation");
    }
    const org = this.organisations.get(principal.orgId);
    if (!org) throw new WardenError('unauthenticated', 'AUTH.INVALID_KEY', 'the credential names no organisation');
    if (org.suspended) throw new WardenError('forbidden', 'TENANCY.ORG_SUSPENDED', 'the organisation is suspended');
    if (!principal.roles.some((role) => access.roles.includes(role))) {
      throw new WardenError('forbidden', 'AUTH.ROLE_REQUIRED', `this route needs one of the roles: ${access.roles.join(', ')}`, { requiredRoles: access.roles });
    }
    request.admin = { orgId: principal.orgId, keyId: principal.userId };
    return true;
  }

  private async authenticate(request: PrincipalRequest): Promise<Principal> {
    const token = bearerToken(request.headers.authorization);
    try {
      if (!token) throw new WardenError('unauthenticated', 'AUTH.MISSING_KEY', 'an API key is required (Authorization: Bearer <key>)');
      for (const authenticator of this.authenticators.list()) {
        const principal = await authenticator.authenticate(token);
        if (principal) return principal;
      }
      throw new WardenError('unauthenticated', 'AUTH.INVALID_KEY', 'the credential is not valid for the command API');
    } catch (error) {
      if (error instanceof WardenError && error.kind === 'unauthenticated') {
        this.rejections.record({
          source: request.ip ?? 'unknown',
          reason: error.code,
          path: (request.url ?? '').split('?')[0],
          keyHint: token ? this.hints.hintOf(token) : null,
        });
      }
      throw error;
    }
  }
}
