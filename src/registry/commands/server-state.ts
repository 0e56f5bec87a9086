import { WardenError } from '../../common/warden-error';
import type { RegisteredServer } from '../servers.read-model';

export function unknownServer(serverId: string): WardenError {
  return new WardenError('not_found', 'REGISTRY.SERVER_UNKNOWN', `no server ${serverId} in this organisation`);
}

/** A removed server is final: checked before any upstream is contacted (the decider checks again). */
export function assertServerChangeable(server: RegisteredServer): void {
  if (server.status === 'removed') throw new WardenError('conflict', 'SERVER.REMOVED', 'the server is removed: removal is final', { state: 'removed' });
}
