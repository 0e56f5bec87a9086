import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { ORGANISATION_STREAM_PREFIX, type TenancyEvent } from './tenancy.events';

export interface Organisation {
  orgId: string;
  name: string;
  createdAt: string;
}

export interface AdminPrincipal {
  orgId: string;
  keyId: string;
}

/** Organisations and admin key hashes, rebuilt from the log on start. */
@Injectable()
export class OrganisationsReadModel implements Projection {
  readonly name = 'organisations';
  readonly streamPrefixes = [ORGANISATION_STREAM_PREFIX];
  private readonly orgs = new Map<string, Organisation>();
  private readonly adminKeys = new Map<string, AdminPrincipal>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as TenancyEvent;
    switch (event.type) {
      case 'OrganisationCreated':
        this.orgs.set(event.data.orgId, { orgId: event.data.orgId, name: event.data.name, createdAt: envelope.at });
        break;
      case 'AdminKeyIssued':
        this.adminKeys.set(event.data.keyHash, { orgId: event.data.orgId, keyId: event.data.keyId });
        break;
    }
  }

  get(orgId: string): Organisation | undefined {
    return this.orgs.get(orgId);
  }

  count(): number {
    return this.orgs.size;
  }

  adminByKeyHash(hash: string): AdminPrincipal | undefined {
    return this.adminKeys.get(hash);
  }
}
