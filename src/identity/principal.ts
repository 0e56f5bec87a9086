/**
 * Who is calling the command API (People, roles and tenants issue). Shared by the identity module
 * (user API keys, the platform operator), the OIDC authenticator and every controller.
 * Agents are not principals of the command API: an agent key never passes /v1, a user key never
 * passes /mcp.
 */
export const ROLES = ['admin', 'operator', 'approver', 'investigator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** A person (or the bootstrap admin key) acting within one organisation. */
export interface UserPrincipal {
  kind: 'user';
  orgId: string;
  userId: string;
  roles: readonly Role[];
  /** How the request was authenticated. */
  via: 'api-key' | 'oidc';
}

/** The deployment's own operator: creates, lists and suspends organisations; sees no org's data. */
export interface PlatformPrincipal {
  kind: 'platform';
  operatorId: string;
}

export type Principal = UserPrincipal | PlatformPrincipal;

/**
 * Turns a bearer credential into a principal, or says it is not its kind (undefined) so the next
 * authenticator may try. Throws a WardenError (unauthenticated) for a credential of its kind that
 * is invalid (expired, bad signature…): fail closed, never fall through to another kind.
 */
export interface BearerAuthenticator {
  readonly name: string;
  authenticate(token: string): Promise<Principal | undefined> | Principal | undefined;
}
