import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { bearerToken, hashApiKey } from '../common/api-keys';
import { WardenError } from '../common/warden-error';
import { OrganisationsReadModel, type AdminPrincipal } from './organisations.read-model';

export interface AdminRequest {
  headers: Record<string, string | string[] | undefined>;
  admin?: AdminPrincipal;
}

/**
 * Superseded by the global CommandApiGuard and @Roles (src/identity): kept, unchanged, so that
 * routes written against it still compile until they are converted. Accepts only admin keys.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly organisations: OrganisationsReadModel) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const key = bearerToken(request.headers.authorization);
    if (!key) throw new WardenError('unauthenticated', 'AUTH.MISSING_KEY', 'an admin API key is required (Authorization: Bearer <key>)');
    const admin = this.organisations.adminByKeyHash(hashApiKey(key));
    if (!admin) throw new WardenError('unauthenticated', 'AUTH.INVALID_KEY', 'the API key is not a valid admin key');
    request.admin = admin;
    return true;
  }
}
