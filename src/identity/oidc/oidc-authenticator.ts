import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { WardenError } from '../../common/warden-error';
import type { OrganisationsReadModel } from '../../tenancy/organisations.read-model';
import { looksLikeJwt } from '../tokens/capability-scope';
import type { BearerAuthenticator, Role, UserPrincipal } from '../principal';
import type { OidcConfig } from './oidc-config';

const invalid = (detail: string) => new WardenError('unauthenticated', 'AUTH.TOKEN_INVALID', `the sign-in token is not valid: ${detail}`);

/** The provider's role values, mapped by configuration; values not in the map grant nothing. */
export function mappedRoles(claim: unknown, roleMap: ReadonlyMap<string, Role>): Role[] {
  const values = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim.filter((v): v is string => typeof v === 'string') : [];
  return [...new Set(values.flatMap((v) => (roleMap.has(v) ? [roleMap.get(v)!] : [])))];
}

/**
 * People signing in with the deployment's OIDC provider: a bearer JWT checked with jose against
 * the provider's JWKS (fetched again for a key id it does not know: key rotation), issuer,
 * audience, expiry and the algorithm allow-list. It becomes a UserPrincipal of the organisation
 * its org claim names, with the roles its role claim maps to (none: every route answers 403).
 * Every JWT-shaped bearer is this authenticator's kind: an invalid one is refused (401), never
 * handed on to another authenticator.
 */
export class OidcAuthenticator implements BearerAuthenticator {
  readonly name = 'oidc';
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly config: OidcConfig,
    private readonly organisations: Pick<OrganisationsReadModel, 'get'>,
  ) {
    this.jwks = createRemoteJWKSet(new URL(this.config.jwksUrl), {
      cacheMaxAge: this.config.jwksCacheMaxAgeMs,
      cooldownDuration: this.config.jwksCooldownMs,
      timeoutDuration: 5000,
    });
  }

  async authenticate(token: string): Promise<UserPrincipal | undefined> {
    if (!looksLikeJwt(token)) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 5,
      }));
    } catch (error) {
      throw this.rejection(error);
    }
    const org = payload[this.config.orgClaim];
    if (typeof org !== 'string' || !this.organisations.get(org)) throw invalid(`claim ${this.config.orgClaim} names no organisation of this deployment`);
    return { kind: 'user', orgId: org, userId: `oidc:${payload.sub}`, roles: mappedRoles(payload[this.config.roleClaim], this.config.roleMap), via: 'oidc' };
  }

  private rejection(error: unknown): WardenError {
    if (error instanceof errors.JWTExpired) return new WardenError('unauthenticated', 'AUTH.TOKEN_EXPIRED', 'the sign-in token has expired');
    if (error instanceof errors.JWTClaimValidationFailed) return invalid(`claim ${error.claim} ${error.reason === 'check_failed' ? 'does not match' : 'is missing or malformed'}`);
    if (error instanceof errors.JOSEAlgNotAllowed) return invalid('algorithm not allowed');
    if (error instanceof errors.JWKSNoMatchingKey) return invalid('signed by a key the provider does not publish');
    if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('bad signature');
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error instanceof errors.JOSENotSupported) {
      // Cannot check it now: refused (fail closed), and said to be our side's trouble.
      return new WardenError('unavailable', 'AUTH.OIDC_UNAVAILABLE', "the identity provider's keys could not be read");
    }
    if (error instanceof errors.JOSEError) return invalid('malformed token');
    // A network failure fetching the JWKS.
    return new WardenError('unavailable', 'AUTH.OIDC_UNAVAILABLE', "the identity provider's keys could not be read");
  }
}
