import { WardenError } from '../../common/warden-error';
import type { ServersReadModel } from '../../registry/servers.read-model';

/** An agent may only be given servers of its own organisation (another org's id is unknown). */
export function assertServersInOrg(servers: ServersReadModel, orgId: string, serverIds: string[] | null | undefined): void {
  for (const serverId of serverIds ?? []) {
    if (!servers.get(orgId, serverId)) {
      throw new WardenError('bad_request', 'AGENTS.UNKNOWN_SERVER', `servers: no server ${serverId} in this organisation`, { field: 'servers' });
    }
  }
}
