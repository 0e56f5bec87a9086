import { Injectable } from '@nestjs/common';
import { ServersReadModel } from '../../registry/servers.read-model';
import { UpstreamPool } from '../../upstream/upstream-pool';
import { SessionChannel } from '../edge/session-channel';
import { meetsLevel, SessionLogLevels } from './log-levels';
import { ResourceSubscriptions } from './resource-subscriptions';

/**
 * What a 2025 upstream sends on its standalone stream, outside any request, relayed to the 2025
 * sessions of the server's endpoint (`/mcp/<slug>`) whose agents may still use the server, on
 * their standalone streams. From a session of one agent's own (UpstreamPool.entryFor) only that
 * agent's sessions get it; from the pooled session, every eligible session (the upstream knows
 * one client: warden). 2026-07-28 agents have no standalone stream and get none of it.
 * - `notifications/message`: filtered by each session's logging/setLevel.
 * - `notifications/resources/updated`: to the sessions subscribed to its URI only.
 * - `notifications/resources/list_changed`, `notifications/prompts/list_changed`: as sent.
 */
@Injectable()
export class UpstreamNotificationsRelay {
  constructor(
    upstreams: UpstreamPool,
    private readonly servers: ServersReadModel,
    private readonly channel: SessionChannel,
    private readonly logLevels: SessionLogLevels,
    private readonly subscriptions: ResourceSubscriptions,
  ) {
    upstreams.onUpstreamNotification((serverId, agentId, message) => this.relay(serverId, agentId, message));
  }

  private relay(serverId: string, agentId: string | undefined, message: Record<string, unknown>): void {
    const server = this.servers.findForSystem(serverId);
    if (!server || server.status !== 'active') return;
    const scope = agentId === undefined ? {} : { agentId };
    switch (message.method) {
      case 'notifications/message':
        this.channel.notifyEndpointSessions(server, message, { ...scope, wants: (sessionId) => meetsLevel(message, this.logLevels.get(sessionId)) });
        return;
      case 'notifications/resources/updated': {
        const uri = (message.params as { uri?: unknown } | undefined)?.uri;
        if (typeof uri !== 'string') return;
        this.channel.notifyEndpointSessions(server, { jsonrpc: '2.0', method: message.method, params: { uri } }, { ...scope, wants: (sessionId) => this.subscriptions.isSubscribed(sessionId, serverId, uri) });
        return;
      }
      case 'notifications/resources/list_changed':
      case 'notifications/prompts/list_changed':
        this.channel.notifyEndpointSessions(server, { jsonrpc: '2.0', method: message.method }, scope);
        return;
      default:
        return;
    }
  }
}
