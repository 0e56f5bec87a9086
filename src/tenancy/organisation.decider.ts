import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { TenancyEvent } from './tenancy.events';

export type OrganisationCommand =
  | { type: 'CreateOrganisation'; orgId: string; name: string }
  | { type: 'IssueAdminKey'; orgId: string; keyId: string; keyHash: string; hint: string; label: string }
  | { type: 'RevokeAdminKey'; orgId: string; keyId: string }
  | { type: 'SuspendOrganisation'; orgId: string; reason: string | null }
  | { type: 'ResumeOrganisation'; orgId: string };

export interface OrganisationState {
  exists: boolean;
  suspended: boolean;
  adminKeyIds: Set<string>;
  revokedAdminKeyIds: Set<string>;
}

export const organisationDecider: Decider<OrganisationCommand, TenancyEvent, OrganisationState> = {
  initialState: () => ({ exists: false, suspended: false, adminKeyIds: new Set(), revokedAdminKeyIds: new Set() }),

  evolve(state, event) {
    switch (event.type) {
      case 'OrganisationCreated':
        return { ...state, exists: true };
      case 'AdminKeyIssued':
        return { ...state, adminKeyIds: new Set([...state.adminKeyIds, event.data.keyId]) };
      case 'AdminKeyRevoked':
        return { ...state, revokedAdminKeyIds: new Set([...state.revokedAdminKeyIds, event.data.keyId]) };
      case 'OrganisationSuspended':
        return { ...state, suspended: true };
      case 'OrganisationResumed':
        return { ...state, suspended: false };
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },

  decide(command, state) {
    if (command.type === 'CreateOrganisation') {
      if (state.exists) throw new WardenError('conflict', 'TENANCY.ORG_EXISTS', 'organisation already exists');
      return [{ type: 'OrganisationCreated', data: { orgId: command.orgId, name: command.name } }];
    }
    if (!state.exists) throw new WardenError('not_found', 'TENANCY.ORG_UNKNOWN', 'organisation does not exist');
    switch (command.type) {
      case 'IssueAdminKey':
        return [{ type: 'AdminKeyIssued', data: { orgId: command.orgId, keyId: command.keyId, keyHash: command.keyHash, hint: command.hint, label: command.label } }];
      case 'RevokeAdminKey':
        if (!state.adminKeyIds.has(command.keyId)) throw new WardenError('not_found', 'USERS.UNKNOWN', 'no such user in this organisation');
        if (state.revokedAdminKeyIds.has(command.keyId)) throw new WardenError('conflict', 'USERS.REVOKED', 'the user is revoked', { state: 'revoked' });
        return [{ type: 'AdminKeyRevoked', data: { orgId: command.orgId, keyId: command.keyId } }];
      case 'SuspendOrganisation':
        if (state.suspended) throw new WardenError('conflict', 'TENANCY.ORG_ALREADY_SUSPENDED', 'the organisation is already suspended', { state: 'suspended' });
        return [{ type: 'OrganisationSuspended', data: { orgId: command.orgId, reason: command.reason } }];
      case 'ResumeOrganisation':
        if (!state.suspended) throw new WardenError('conflict', 'TENANCY.ORG_NOT_SUSPENDED', 'the organisation is not suspended', { state: 'active' });
        return [{ type: 'OrganisationResumed', data: { orgId: command.orgId } }];
      default: {
        const unknown: never = command;
        return unknown;
      }
    }
  },
};
