import type { AdminPrincipal } from '../tenancy/organisations.read-model';
import type { Principal } from './principal';

/** The request as the CommandApiGuard leaves it for controllers. */
export interface PrincipalRequest {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  url?: string;
  method?: string;
  principal?: Principal;
  /** The older shape (AdminAuthGuard / CurrentAdmin), set for every user principal until those are gone. */
  admin?: AdminPrincipal;
}
