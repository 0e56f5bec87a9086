import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { WardenError } from '../common/warden-error';
import type { Principal, UserPrincipal } from './principal';
import type { PrincipalRequest } from './principal-request';

const principalOf = (context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<PrincipalRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route the CommandApiGuard did not authenticate (a @Public route?)');
  return principal;
};

/** The authenticated principal (set by the CommandApiGuard). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => principalOf(context));

/** The authenticated user: every command and read of the route is scoped to `user.orgId`. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): UserPrincipal => {
  const principal = principalOf(context);
  // The guard lets only users through @Roles routes; this is the second lock on that door.
  if (principal.kind !== 'user') throw new WardenError('forbidden', 'AUTH.ORG_USER_REQUIRED', 'this route is for users of an organisation');
  return principal;
});
