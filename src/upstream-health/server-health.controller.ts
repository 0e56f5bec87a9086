import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { WardenError } from '../common/warden-error';
import { ServersReadModel } from '../registry/servers.read-model';
import { serverView } from '../registry/servers.view';
import { CurrentUser } from '../identity/current-principal.decorator';
import type { UserPrincipal } from '../identity/principal';
import { Roles } from '../identity/route-access';
import { UpstreamPool } from '../upstream/upstream-pool';
import { UpstreamHealthMonitor } from './upstream-health-monitor';

@ApiTags('servers')
@Roles('operator', 'admin')
@Controller('v1/servers')
export class ServerHealthController {
  constructor(
    private readonly servers: ServersReadModel,
    private readonly monitor: UpstreamHealthMonitor,
    private readonly upstreams: UpstreamPool,
  ) {}

  /** Checks the server now (connect, list tools) and answers what it found, with the server as recorded after. */
  @Post(':serverId/health')
  @HttpCode(200)
  async check(@CurrentUser() admin: UserPrincipal, @Param('serverId') serverId: string) {
    const server = this.servers.get(admin.orgId, serverId);
    if (!server) throw new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', `no server ${serverId} in this organisation`);
    const check = await this.monitor.check(server);
    return { check, server: { ...serverView(this.servers.get(admin.orgId, serverId)!), pool: this.upstreams.telemetry(serverId) } };
  }
}
