import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Agent, AgentsReadModel } from '../../agents/agents.read-model';
import { CLOCK, type Clock } from '../../ledger/clock';
import { bearerToken, hashApiKey } from '../../common/api-keys';
import { WardenError } from '../../common/warden-error';
import { looksLikeJwt } from './capability-scope';

export interface AgentRequest {
  headers: Record<string, string | string[] | undefined>;
  agent?: Agent;
}

/**
 * An agent's own API key, and nothing else: no person's key, and no capability token (a token
 * cannot mint tokens, so a stolen one cannot renew itself).
 */
@Injectable()
export class AgentKeyGuard implements CanActivate {
  constructor(
    private readonly agents: AgentsReadModel,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AgentRequest>();
    const key = bearerToken(request.headers.authorization);
    if (!key) throw new WardenError('unauthenticated', 'AUTH.MISSING_KEY', 'an agent API key is required (Authorization: Bearer <key>)');
    if (looksLikeJwt(key)) throw new WardenError('unauthenticated', 'AUTH.INVALID_KEY', 'tokens are minted with the agent API key, not with a token');
    const found = this.agents.authenticate(hashApiKey(key), this.clock.nowMs());
    if (!found) throw new WardenError('unauthenticated', 'AUTH.INVALID_KEY', 'the API key is not a valid agent key');
    if (found.refused === 'AUTH.AGENT_SUSPENDED') throw new WardenError('forbidden', found.refused, 'the agent is suspended', { state: 'suspended' });
    if (found.refused) throw new WardenError('unauthenticated', found.refused, 'the agent is revoked', { state: 'revoked' });
    request.agent = found.agent;
    return true;
  }
}
