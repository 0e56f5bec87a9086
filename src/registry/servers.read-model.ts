import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from '../ledger/projection';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { CREDENTIAL_STREAM_PREFIX, type VaultEvent } from '../vault/vault.events';
import { SERVER_STREAM_PREFIX, type RegistryEvent, type RiskClass, type ServerHealthStatus, type ServerStatus, type StdioRecord, type ToolDefinition } from './registry.events';

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
  /** Set for a stdio upstream (warden runs it as a child process); `url` is then a label. */
  stdio?: StdioRecord;
  /** Only an active server's tools are listed and callable. */
  status: ServerStatus;
  /** Revision of the server's stream: send it back in If-Match to change the server. */
  revision: number;
  registeredAt: string;
  updatedAt: string;
  /** The last recorded health: `healthy` until a check (or a registration while down) says otherwise. */
  health: { status: ServerHealthStatus; reason: string | null; since: string };
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
  private readonly retiredListeners = new Set<(server: RegisteredServer) => void>();
  private readonly healthListeners = new Set<(server: RegisteredServer) => void>();

  constructor(projector: ReadModelProjector) {
    projector.register(this);
  }

  apply(envelope: EventEnvelope): void {
    // The projector gives each read model only its own streams; this guard keeps it so if that ever changes.
    if (!this.streamPrefixes.some((prefix) => envelope.stream.startsWith(prefix))) return;
    const event = { type: envelope.type, data: envelope.data } as RegistryEvent | VaultEvent;
    if (event.type === 'CredentialSet' || event.type === 'CredentialRotated' || event.type === 'CredentialRemoved') {
      // The credential's own stream: it does not move the server's revision.
      const server = this.byId.get(event.data.serverId);
      if (server) server.hasCredential = event.type !== 'CredentialRemoved';
      return;
    }
    if (event.type !== 'ServerRegistered') {
      const server = this.byId.get(event.data.serverId);
      if (!server || envelope.seq <= server.revision) return;
      server.revision = envelope.seq;
      server.updatedAt = envelope.at;
    }
    switch (event.type) {
      case 'ServerRegistered': {
        if (this.byId.has(event.data.serverId)) return;
        const server: RegisteredServer = { ...event.data, status: 'active', revision: envelope.seq, registeredAt: envelope.at, updatedAt: envelope.at, health: { status: 'healthy', reason: null, since: envelope.at }, hasCredential: false, tools: new Map() };
        this.byId.set(server.serverId, server);
        this.bySlug.set(`${server.orgId}/${server.slug}`, server);
        break;
      }
      case 'ServerUpdated': {
        const server = this.byId.get(event.data.serverId)!;
        const { name, url, protocolVersion } = event.data;
        if (name !== undefined) server.name = name;
        if (protocolVersion !== undefined) server.protocolVersion = protocolVersion;
        if (url !== undefined && url !== server.url) {
          server.url = url;
          this.retired(server); // the pooled session speaks to the old URL
        }
        break;
      }
      case 'ServerDisabled':
      case 'ServerRemoved': {
        const server = this.byId.get(event.data.serverId)!;
        const wasActive = server.status === 'active';
        server.status = event.type === 'ServerDisabled' ? 'disabled' : 'removed';
        this.retired(server);
        if (wasActive) this.listedToolsChanged(server);
        break;
      }
      case 'ServerEnabled': {
        const server = this.byId.get(event.data.serverId)!;
        server.status = 'active';
        this.listedToolsChanged(server);
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
      case 'ServerHealthChanged': {
        const server = this.byId.get(event.data.serverId);
        if (server) {
          server.health = { status: event.data.status, reason: event.data.reason, since: envelope.at };
          for (const listener of this.healthListeners) {
            try {
              listener(server);
            } catch {
              // a listener's failure must not break the projection
            }
          }
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

  /** Told when a server's pooled upstream sessions must end: it was disabled, removed, or moved to another URL. */
  onRetired(listener: (server: RegisteredServer) => void): () => void {
    this.retiredListeners.add(listener);
    return () => this.retiredListeners.delete(listener);
  }

  private retired(server: RegisteredServer): void {
    this.notify(this.retiredListeners, server);
  }

  private listedToolsChanged(server: RegisteredServer): void {
    this.notify(this.listedToolsListeners, server);
  }

  private notify(listeners: Set<(server: RegisteredServer) => void>, server: RegisteredServer): void {
    for (const listener of listeners) {
      try {
        listener(server);
      } catch {
        // a listener's failure must not break the projection
      }
    }
  }

  /** Told whenever a server's recorded health changes. Returns the unsubscribe. */
  onHealthChanged(listener: (server: RegisteredServer) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** Every server of every organisation: for the system's own work (health checks), never for a request. */
  allForSystem(): RegisteredServer[] {
    return [...this.byId.values()];
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
