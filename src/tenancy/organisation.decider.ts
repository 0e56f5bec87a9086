import { WardenError } from '../common/warden-error';
import type { Decider } from '../ledger/decider';
import type { TenancyEvent } from './tenancy.events';

export type OrganisationCommand =
  | { type: 'CreateOrganisation'; orgId: string; name: string }
  | { type: 'IssueAdminKey'; orgId: string; keyId: string; keyHash: string; hint: string; label: string };

export interface OrganisationState {
  exists: boolean;
  adminKeyIds: Set<string>;
}

export const organisationDecider: Decider<OrganisationCommand, TenancyEvent, OrganisationState> = {
  initialState: () => ({ exists: false, adminKeyIds: new Set() }),

  evolve(state, event) {
    switch (event.type) {
      case 'OrganisationCreated':
        return { ...state, exists: true };
      case 'AdminKeyIssued':
        return { ...state, adminKeyIds: new Set([...state.adminKeyIds, event.data.keyId]) };
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'CreateOrganisation':
        if (state.exists) throw new WardenError('conflict', 'TENANCY.ORG_EXISTS', 'organisation already exists');
        return [{ type: 'OrganisationCreated', data: { orgId: command.orgId, name: command.name } }];
      case 'IssueAdminKey':
        if (!state.exists) throw new WardenError('not_found', 'TENANCY.ORG_UNKNOWN', 'organisation does not exist');
        return [{ type: 'AdminKeyIssued', data: { orgId: command.orgId, keyId: command.keyId, keyHash: command.keyHash, hint: command.hint, label: command.label } }];
      default: {
        const unknown: never = command;
        return unknown;
      }
    }
  },
};
