import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { Agent, AgentsReadModel } from '../../agents/agents.read-model';
import { WardenError } from '../../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../../config/warden-config';
import { LedgerIntegrity } from '../../ledger/ledger-integrity';
import { NODE_TRUST } from '../../ledger/ledger.module';
import type { NodeTrust } from '../../ledger/node-trust';
import type { CapabilityScope } from './capability-scope';
import { CapabilityTokensReadModel } from './capability-tokens.read-model';

/** Explicit typing (RFC 8725 §3.11): no other JWT (an OIDC ID token, say) passes as a capability token. */
export const CAPABILITY_TOKEN_TYPE = 'wdn-cap+jwt';
const ALGORITHM = 'EdDSA';
/** Clock skew tolerated between the nodes that mint and check tokens. */
const CLOCK_TOLERANCE_SECONDS = 5;

export interface TokenGrant {
  jti: string;
  orgId: string;
  agentId: string;
  serverId: string;
  tools: string[];
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

const invalid = (detail: string) => new WardenError('unauthenticated', 'AUTH.TOKEN_INVALID', `the capability token is not valid: ${detail}`);

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === 'string' && t.length > 0);

/**
 * Capability tokens (People, roles and tenants, part C): short-lived EdDSA JWTs signed with this
 * node's ledger key, accepted when signed by any key the root registered and has not revoked.
 * Verification: alg EdDSA only, typ, kid known, signature, exp / nbf, audience = this deployment,
 * the jti recorded as issued and not revoked, the agent existing in the token's organisation.
 */
@Injectable()
export class CapabilityTokens {
  readonly audience: string;
  private readonly keyObjects = new Map<string, KeyObject>();

  constructor(
    @Inject(WARDEN_CONFIG) config: WardenConfig,
    @Inject(NODE_TRUST) private readonly trust: NodeTrust,
    private readonly integrity: LedgerIntegrity,
    private readonly issued: CapabilityTokensReadModel,
    private readonly agents: AgentsReadModel,
  ) {
    this.audience = config.tokens.audience ?? `warden:${trust.root.kid}`;
  }

  /** The key id the tokens this node mints carry (its registered ledger key). */
  get signingKid(): string {
    return this.trust.node.signer.kid;
  }

  sign(grant: TokenGrant): Promise<string> {
    return new SignJWT({ org: grant.orgId, server: grant.serverId, tools: grant.tools })
      .setProtectedHeader({ alg: ALGORITHM, typ: CAPABILITY_TOKEN_TYPE, kid: this.signingKid })
      .setSubject(grant.agentId)
      .setAudience(this.audience)
      .setJti(grant.jti)
      .setIssuedAt(grant.iat)
      .setNotBefore(grant.iat)
      .setExpirationTime(grant.exp)
      .sign(this.trust.node.privateKey);
  }

  /** The agent and scope of a capability token, or a WardenError (401) naming why not. */
  async verify(token: string): Promise<{ agent: Agent; scope: CapabilityScope }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyOf, {
        algorithms: [ALGORITHM],
        typ: CAPABILITY_TOKEN_TYPE,
        audience: this.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'jti', 'exp', 'nbf', 'iat', 'aud'],
      }));
    } catch (error) {
      throw this.rejection(error);
    }
    const { sub, jti, org, server, tools, exp } = payload as JWTPayload & Record<string, unknown>;
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof org !== 'string' || typeof server !== 'string' || !isStringArray(tools)) {
      throw invalid('its claims are malformed');
    }
    const record = this.issued.get(jti);
    if (!record) throw invalid('it was not issued by this deployment');
    const grant = record.grant;
    // Tools are taken from the issuance, never from the token; everything else must match it.
    if (grant.orgId !== org || grant.agentId !== sub || grant.serverId !== server || grant.exp !== exp) throw invalid('its claims differ from its issuance');
    if (record.revokedAt !== undefined) throw new WardenError('unauthenticated', 'AUTH.TOKEN_REVOKED', 'the capability token was revoked');
    const agent = this.agents.get(org, sub);
    if (!agent) throw invalid('its agent does not exist in its organisation');
    return { agent, scope: { jti, server, tools: grant.tools } };
  }

  /** Only keys the root registered and has not revoked; a KeyObject per kid, made once. */
  private readonly keyOf: JWTVerifyGetKey = (header) => {
    const kid = header.kid;
    const raw = typeof kid === 'string' ? this.integrity.publicKeyOf(kid) : undefined;
    if (!raw || kid === undefined) throw invalid('unknown or revoked signing key');
    let key = this.keyObjects.get(kid);
    if (!key) {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
      this.keyObjects.set(kid, key);
    }
    return key;
  };

  private rejection(error: unknown): WardenError {
    if (error instanceof WardenError) return error;
    if (error instanceof errors.JWTExpired) return new WardenError('unauthenticated', 'AUTH.TOKEN_EXPIRED', 'the capability token has expired');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
      return new WardenError('unauthenticated', 'AUTH.TOKEN_NOT_YET_VALID', 'the capability token is not valid yet');
    }
    if (error instanceof errors.JWTClaimValidationFailed) return invalid(`claim ${error.claim} ${error.reason === 'check_failed' ? 'does not match' : 'is missing or malformed'}`);
    if (error instanceof errors.JOSEAlgNotAllowed) return invalid('algorithm not allowed (EdDSA only)');
    if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('bad signature');
    return invalid('malformed token');
  }
}
