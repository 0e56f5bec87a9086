import { Injectable } from '@nestjs/common';
import type { BearerAuthenticator } from './principal';

/**
 * The bearer authenticators of the command API, asked in registration order. Each capability that
 * brings a kind of credential (user API keys, the platform key, OIDC JWTs) registers its own from
 * its module (like read models register with the projector).
 */
@Injectable()
export class AuthenticatorRegistry {
  private readonly registered: BearerAuthenticator[] = [];

  register(authenticator: BearerAuthenticator): void {
    if (this.registered.some((a) => a.name === authenticator.name)) throw new Error(`authenticator ${authenticator.name} registered twice`);
    this.registered.push(authenticator);
  }

  list(): readonly BearerAuthenticator[] {
    return this.registered;
  }
}
