import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { WardenError } from '../common/warden-error';
import { UpstreamPool } from '../upstream/upstream-pool';
import { RediscoverToolsCommand } from './commands/rediscover-tools.command';
import { ServersReadModel } from './servers.read-model';

/**
 * Rediscovers a server's tools when its upstream says they changed (tools/list_changed on a
 * pooled session), so that a changed tool goes back to review before its next call. One
 * rediscovery per server at a time; notifications during one cause exactly one more.
 */
@Injectable()
export class ToolListWatcher implements OnModuleInit {
  private readonly logger = new Logger('ToolListWatcher');
  private readonly running = new Map<string, { again: boolean }>();

  constructor(
    private readonly upstreams: UpstreamPool,
    private readonly servers: ServersReadModel,
    private readonly commands: CommandBus,
  ) {}

  onModuleInit(): void {
    this.upstreams.onToolsChanged((serverId) => this.changed(serverId));
  }

  /** Resolves when the rediscoveries under way (and those they queued) are done. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private changed(serverId: string): void {
    const run = this.running.get(serverId);
    if (run) {
      run.again = true;
      return;
    }
    const state = { again: false };
    this.running.set(serverId, state);
    void (async () => {
      do {
        state.again = false;
        await this.rediscover(serverId);
      } while (state.again);
      this.running.delete(serverId);
    })();
  }

  private async rediscover(serverId: string): Promise<void> {
    const server = this.servers.findForSystem(serverId);
    if (!server) return;
    try {
      await this.commands.execute(new RediscoverToolsCommand(server.orgId, serverId, { kind: 'system', id: 'upstream-tools-list-changed' }));
    } catch (error) {
      this.logger.warn(`rediscovery of ${server.slug} failed: ${error instanceof WardenError ? error.code : 'error'}`);
    }
  }
}
