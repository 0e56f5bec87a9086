import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ROLES, type Role } from './principal';

/**
 * What a command-API route declares about who may call it. Every route declares one (on the
 * method or its controller; the method's wins); a route without a declaration is refused by the
 * CommandApiGuard: fail closed.
 */
export type RouteAccess = { kind: 'public' } | { kind: 'platform' } | { kind: 'agent' } | { kind: 'roles'; roles: readonly Role[] };

export const ROUTE_ACCESS = 'warden:route-access';

/** A user of the route's organisation holding at least one of `roles`. Shown in OpenAPI as `x-roles`. */
export function Roles(...roles: Role[]) {
  if (roles.length === 0) throw new Error('@Roles() needs at least one role');
  for (const role of roles) if (!ROLES.includes(role)) throw new Error(`@Roles(): unknown role ${role}`);
  const access: RouteAccess = { kind: 'roles', roles };
  return applyDecorators(SetMetadata(ROUTE_ACCESS, access), ApiBearerAuth(), ApiExtension('x-roles', roles));
}

/** The deployment's platform operator only (organisations); never an organisation's user. */
export function PlatformOnly() {
  const access: RouteAccess = { kind: 'platform' };
  return applyDecorators(SetMetadata(ROUTE_ACCESS, access), ApiBearerAuth(), ApiExtension('x-roles', ['platform-operator']));
}

/** No credential needed (health). */
export function Public() {
  const access: RouteAccess = { kind: 'public' };
  return applyDecorators(SetMetadata(ROUTE_ACCESS, access), ApiExtension('x-roles', []));
}

/**
 * Not a people's route: an agent with its own API key (the route's own guard authenticates it,
 * e.g. AgentKeyGuard). People's keys, the platform key and tokens are refused there.
 */
export function AgentKeyOnly() {
  const access: RouteAccess = { kind: 'agent' };
  return applyDecorators(SetMetadata(ROUTE_ACCESS, access), ApiBearerAuth(), ApiExtension('x-roles', ['agent']));
}
