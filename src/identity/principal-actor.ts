import type { Actor } from '@warden/ledger';
import type { Principal } from './principal';

/**
 * Who signs for a change in the ledger: a user by its id (the bootstrap admin key by its key id);
 * the platform operator as a user whose id names it, since the ledger knows no other kind of person.
 */
export function actorOf(principal: Principal): Actor {
  return principal.kind === 'user' ? { kind: 'user', id: principal.userId } : { kind: 'user', id: `platform-operator:${principal.operatorId}` };
}
