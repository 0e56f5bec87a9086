import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { CREDENTIAL_STREAM_PREFIX, type VaultEvent } from '../vault/vault.events';
import { SERVER_STREAM_PREFIX, type RegistryEvent, type RiskClass, type ToolDefinition } from './registry.events';

export type ToolState = 'review' | 'approved';

export interface RegisteredTool {
  name: string;
  state: ToolState;
  riskClass: RiskClass | null;
  definition: ToolDefinition;
  definitionDigest: string;
}

export interface RegisteredServer {
  serverId: string;
  orgId: string;
  slug: string;
  name: string;
  url: string;
  protocolVersion: string | null;
  registeredAt: string;
  /** The vault holds a credential for it (injected into every request to it). */
  hasCredential: boolean;
  tools: Map<string, RegisteredTool>;
}

/** Servers and their tools per organisation; the gateway resolves (org, slug, tool) here per call. */
@Injectable()
export class ServersReadModel implements Projection {
  readonly name = 'servers';
  readonly streamPrefixes = [SERVER_STREAM_PREFIX, CREDENTIAL_STREAM_PREFIX];
  private readonly byId = new Map<string, RegisteredServer>();
  private readonly bySlug = new Map<string, RegisteredServer>();
  private readonly listedToolsListeners = new Set<(server: RegisteredServer) => void>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    const event = { type: envelope.type, data: envelope.data } as RegistryEvent | VaultEvent;
    switch (event.type) {
      case 'ServerRegistered': {
        const server: RegisteredServer = { ...event.data, registeredAt: envelope.at, hasCredential: false, tools: new Map() };
        this.byId.set(server.serverId, server);
        this.bySlug.set(`${server.orgId}/${server.slug}`, server);
        break;
      }
      case 'CredentialSet':
      case 'CredentialRotated':
      case 'CredentialRemoved': {
        const server = this.byId.get(event.data.serverId);
        if (server) server.hasCredential = event.type !== 'CredentialRemoved';
        break;
      }
      case 'ToolDiscovered': {
        const { tool, definition, definitionDigest } = event.data;
        this.byId.get(event.data.serverId)?.tools.set(tool, { name: tool, state: 'review', riskClass: null, definition, definitionDigest });
        break;
      }
      case 'ToolClassified': {
        const tool = this.byId.get(event.data.serverId)?.tools.get(event.data.tool);
        if (tool) tool.riskClass = event.data.riskClass;
        break;
      }
      case 'ToolDefinitionChanged': {
        const server = this.byId.get(event.data.serverId);
        const tool = server?.tools.get(event.data.tool);
        if (server && tool) {
          const wasListed = tool.state === 'approved';
          Object.assign(tool, { definition: event.data.definition, definitionDigest: event.data.definitionDigest, state: 'review' });
          if (wasListed) this.listedToolsChanged(server);
        }
        break;
      }
      case 'ToolWithdrawn': {
        const server = this.byId.get(event.data.serverId);
        const tool = server?.tools.get(event.data.tool);
        if (server && tool) {
          server.tools.delete(event.data.tool);
          if (tool.state === 'approved') this.listedToolsChanged(server);
        }
        break;
      }
      case 'ToolApproved': {
        const tool = this.byId.get(event.data.serverId)?.tools.get(event.data.tool);
        if (tool) {
          tool.riskClass = event.data.riskClass;
          tool.state = 'approved';
          this.listedToolsChanged(this.byId.get(event.data.serverId)!);
        }
        break;
      }
    }
  }

  /** Told whenever the tools agents may list of a server change (an approval). Returns the unsubscribe. */
  onListedToolsChanged(listener: (server: RegisteredServer) => void): () => void {
    this.listedToolsListeners.add(listener);
    return () => this.listedToolsListeners.delete(listener);
  }

  private listedToolsChanged(server: RegisteredServer): void {
    for (const listener of this.listedToolsListeners) {
      try {
        listener(server);
      } catch {
        // a listener's failure must not break the projection
      }
    }
  }

  /** Scoped: another organisation's server is indistinguishable from no server. */
  get(orgId: string, serverId: string): RegisteredServer | undefined {
    const server = this.byId.get(serverId);
    return server?.orgId === orgId ? server : undefined;
  }

  /** A server by id, whatever its organisation: for the system's own work (rediscovery), never for a request. */
  findForSystem(serverId: string): RegisteredServer | undefined {
    return this.byId.get(serverId);
  }

  bySlugInOrg(orgId: string, slug: string): RegisteredServer | undefined {
    return this.bySlug.get(`${orgId}/${slug}`);
  }

  list(orgId: string): RegisteredServer[] {
    return [...this.byId.values()].filter((s) => s.orgId === orgId);
  }
}
