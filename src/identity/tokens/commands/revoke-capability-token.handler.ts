import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateStore } from '../../../ledger/aggregate-store';
import { capabilityTokenDecider } from '../capability-token.decider';
import { tokenStream } from '../capability-token.events';
import { CapabilityTokensReadModel } from '../capability-tokens.read-model';
import { RevokeCapabilityTokenCommand, type RevokedToken } from './revoke-capability-token.command';

/**
 * Revokes a token by its jti: CapabilityTokenRevoked on the token's stream. Every node's read
 * model applies it from the log, so the token's next request is refused, also on an open session.
 * Revoking twice is answered with the first revocation.
 */
@CommandHandler(RevokeCapabilityTokenCommand)
export class RevokeCapabilityTokenHandler implements ICommandHandler<RevokeCapabilityTokenCommand, RevokedToken> {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly tokens: CapabilityTokensReadModel,
  ) {}

  async execute(command: RevokeCapabilityTokenCommand): Promise<RevokedToken> {
    await this.aggregates.handle(
      capabilityTokenDecider,
      { type: 'RevokeCapabilityToken', jti: command.jti, orgId: command.orgId },
      { stream: tokenStream(command.jti), org: command.orgId, actor: command.actor },
    );
    const revokedAt = this.tokens.get(command.jti)?.revokedAt;
    if (revokedAt === undefined) throw new Error('capability token read model did not apply CapabilityTokenRevoked');
    return { jti: command.jti, revokedAt };
  }
}
