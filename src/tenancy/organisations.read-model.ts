import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { ORGANISATION_STREAM_PREFIX, type TenancyEvent } from './tenancy.events';

export interface Organisation {
  orgId: string;
  name: string;
  createdAt: string;
  suspended: boolean;
}

export interface AdminPrincipal {
  orgId: string;
  keyId: string;
}

/** A bootstrap admin key, as the users list shows it. */
export interface AdminKey extends AdminPrincipal {
  label: string;
  hint: string;
  issuedAt: string;
  revoked: boolean;
}

/** Organisations and admin key hashes, rebuilt from the log on start. */
@Injectable()
export class OrganisationsReadModel implements Projection {
  readonly name = 'organisations';
  readonly streamPrefixes = [ORGANISATION_STREAM_PREFIX];
  private readonly orgs = new Map<string, Organisation>();
  private readonly adminKeys = new Map<string, AdminKey>();
  private readonly adminKeyHashes = new Map<string, string>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as TenancyEvent;
    switch (event.type) {
      case 'OrganisationCreated':
        this.orgs.set(event.data.orgId, { orgId: event.data.orgId, name: event.data.name, createdAt: envelope.at, suspended: false });
        break;
      case 'AdminKeyIssued': {
        const { orgId, keyId, keyHash, hint, label } = event.data;
        this.adminKeys.set(keyId, { orgId, keyId, label, hint, issuedAt: envelope.at, revoked: false });
        this.adminKeyHashes.set(keyHash, keyId);
        break;
      }
      case 'AdminKeyRevoked': {
        const key = this.adminKeys.get(event.data.keyId);
        if (key) key.revoked = true;
        break;
      }
      case 'OrganisationSuspended':
      case 'OrganisationResumed': {
        const org = this.orgs.get(event.data.orgId);
        if (org) org.suspended = event.type === 'OrganisationSuspended';
        break;
      }
    }
  }

  get(orgId: string): Organisation | undefined {
    return this.orgs.get(orgId);
  }

  list(): Organisation[] {
    return [...this.orgs.values()];
  }

  count(): number {
    return this.orgs.size;
  }

  /** An admin key that has not been revoked. */
  adminByKeyHash(hash: string): AdminPrincipal | undefined {
    const keyId = this.adminKeyHashes.get(hash);
    const key = keyId === undefined ? undefined : this.adminKeys.get(keyId);
    return key && !key.revoked ? { orgId: key.orgId, keyId: key.keyId } : undefined;
  }

  adminKey(orgId: string, keyId: string): AdminKey | undefined {
    const key = this.adminKeys.get(keyId);
    return key?.orgId === orgId ? key : undefined;
  }

  adminKeysOf(orgId: string): AdminKey[] {
    return [...this.adminKeys.values()].filter((k) => k.orgId === orgId);
  }
}
