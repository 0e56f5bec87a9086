import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { rfc3339Micros } from '@warden/ledger';
import { issueApiKey } from '../../common/api-keys';
import { KeyHints } from '../../common/key-hints';
import { staleRevisionAsConflict } from '../../common/stale-revision';
import { AggregateStore } from '../../ledger/aggregate-store';
import { CLOCK, type Clock } from '../../ledger/clock';
import { agentDecider } from '../agent.decider';
import { agentStream } from '../agents.events';
import { AgentsReadModel } from '../agents.read-model';
import { unknownAgent } from './change-agent.handler';
import { RotateAgentKeyCommand, type RotatedAgentKey } from './rotate-agent-key.command';

@CommandHandler(RotateAgentKeyCommand)
export class RotateAgentKeyHandler implements ICommandHandler<RotateAgentKeyCommand, RotatedAgentKey> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly agents: AgentsReadModel,
    private readonly hints: KeyHints,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: RotateAgentKeyCommand): Promise<RotatedAgentKey> {
    const agent = this.agents.get(command.orgId, command.agentId);
    if (!agent) throw unknownAgent(command.agentId);
    const key = issueApiKey('agent', this.hints);
    const previousKeysValidUntil = command.graceSeconds > 0 ? rfc3339Micros(new Date(this.clock.nowMs() + command.graceSeconds * 1000), 0) : null;
    await staleRevisionAsConflict(() =>
      this.aggregates.handle(
        agentDecider,
        { type: 'RotateAgentKey', keyHash: key.hash, hint: key.hint, previousKeysValidUntil, expectedRevision: command.expectedRevision },
        { stream: agentStream(agent.agentId), org: command.orgId, actor: command.actor },
      ),
    );
    return { agent, apiKey: key.key, previousKeysValidUntil };
  }
}
