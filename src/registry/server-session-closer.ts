import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { UpstreamPool } from '../upstream/upstream-pool';
import { ServersReadModel } from './servers.read-model';

/**
 * Closes a server's pooled upstream sessions when the read model says it was disabled, removed or
 * moved to another URL. Driven by the projection, so every node does it, whoever made the change.
 */
@Injectable()
export class ServerSessionCloser implements OnModuleInit {
  private readonly logger = new Logger('ServerSessionCloser');
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly upstreams: UpstreamPool,
    private readonly servers: ServersReadModel,
  ) {}

  onModuleInit(): void {
    this.servers.onRetired((server) => {
      const done = this.upstreams
        .closeServer(server.serverId)
        .catch(() => this.logger.warn(`could not close the sessions of ${server.slug}`))
        .finally(() => this.closing.delete(done));
      this.closing.add(done);
    });
  }

  /** Resolves when the closes under way are done. */
  async idle(): Promise<void> {
    await Promise.all([...this.closing]);
  }
}
