import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { bearerToken } from '../../common/api-keys';
import { WardenError } from '../../common/warden-error';
import { AuthenticatorRegistry } from '../authenticator-registry';
import type { Principal } from '../principal';

export interface PrincipalRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/**
 * A stand-in for part A's global role guard on this branch: asks the AuthenticatorRegistry for a
 * principal (401 without one) and admits a person only with at least one role (403 without).
 * At merge the routes using it go under part A's guard.
 */
@Injectable()
export class RegistryAuthGuard implements CanActivate {
  constructor(private readonly registry: AuthenticatorRegistry) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<PrincipalRequest>();
    const bearer = bearerToken(request.headers.authorization);
    if (!bearer) throw new WardenError('unauthenticated', 'AUTH.MISSING_KEY', 'a credential is required (Authorization: Bearer <key or token>)');
    for (const authenticator of this.registry.list()) {
      const principal = await authenticator.authenticate(bearer);
      if (!principal) continue;
      if (principal.kind === 'user' && principal.roles.length === 0) throw new WardenError('forbidden', 'AUTH.NO_ROLE', 'signed in, but with no warden role');
      request.principal = principal;
      return true;
    }
    throw new WardenError('unauthenticated', 'AUTH.INVALID_KEY', 'the credential is not valid here');
  }
}
