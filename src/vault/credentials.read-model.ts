import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import type { CredentialScheme } from './credential-schemes';
import { CREDENTIAL_STREAM_PREFIX, type VaultEvent } from './vault.events';

export interface ActiveCredential {
  orgId: string;
  serverId: string;
  scheme: CredentialScheme;
  version: number;
  fingerprint: string;
  createdAt: string;
}

/** Which credential version is active per server (from the ledger); what the injector opens and the API shows. */
@Injectable()
export class CredentialsReadModel implements Projection {
  readonly name = 'credentials';
  readonly streamPrefixes = [CREDENTIAL_STREAM_PREFIX];
  private readonly byServer = new Map<string, ActiveCredential>();
  private readonly lastVersions = new Map<string, number>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as VaultEvent;
    switch (event.type) {
      case 'CredentialSet':
      case 'CredentialRotated': {
        const { serverId, scheme, version, fingerprint } = event.data;
        const active = { orgId: envelope.org, serverId, scheme, version, fingerprint, createdAt: envelope.at };
        this.byServer.set(serverId, active);
        this.lastVersions.set(serverId, version);
        break;
      }
      case 'CredentialRemoved':
        this.byServer.delete(event.data.serverId);
        break;
    }
  }

  /** Scoped: another organisation's credential is indistinguishable from none. */
  get(orgId: string, serverId: string): ActiveCredential | undefined {
    const active = this.byServer.get(serverId);
    return active?.orgId === orgId ? active : undefined;
  }

  /** For the system's own upstream calls, which resolved the server already. */
  activeFor(serverId: string): ActiveCredential | undefined {
    return this.byServer.get(serverId);
  }

  lastVersion(serverId: string): number {
    return this.lastVersions.get(serverId) ?? 0;
  }
}
