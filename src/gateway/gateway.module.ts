import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { TokensModule } from '../identity/tokens/tokens.module';
import { RegistryModule } from '../registry/registry.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { McpEdge } from './edge/mcp-edge';
import { SessionChannel } from './edge/session-channel';
import { McpMethods } from './mcp-methods';
import { McpRelay } from './relay/mcp-relay';
import { SessionLogLevels } from './relay/log-levels';
import { ResourceSubscriptions } from './relay/resource-subscriptions';
import { ListenStreams } from './relay/listen-streams';
import { UpstreamNotificationsRelay } from './relay/upstream-notifications';
import { AggregateRelay } from './relay/aggregate-relay';
import { AggregateCursors } from './relay/aggregate-cursor';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { loadOrCreateKeyHintSecret } from '../common/key-hint-secret';
import { UpstreamCaller } from './upstream-call';
import { CallRecorder } from './tool-call/call-recorder';
import { ContentFilterRegistry } from './tool-call/content-filters';
import { GateRegistry } from './tool-call/gate-registry';
import { RejectedRequests } from './tool-call/rejected-requests';
import { StepUpHolds } from './tool-call/step-up-hold';
import { ToolCallPipeline } from './tool-call/tool-call.pipeline';

@Module({
  imports: [AgentsModule, RegistryModule, UpstreamModule, TenancyModule, TokensModule],
  providers: [McpEdge, McpMethods, ToolCallPipeline, CallRecorder, McpRelay, UpstreamCaller, SessionChannel, SessionLogLevels, ResourceSubscriptions, UpstreamNotificationsRelay, ListenStreams, RejectedRequests, GateRegistry, StepUpHolds, ContentFilterRegistry,
    AggregateRelay,
    { provide: AggregateCursors, inject: [WARDEN_CONFIG], useFactory: (config: WardenConfig) => new AggregateCursors(loadOrCreateKeyHintSecret(config.dataDir)) },
  ],
  exports: [McpEdge, CallRecorder, RejectedRequests, GateRegistry, StepUpHolds, ContentFilterRegistry],
})
export class GatewayModule {}
