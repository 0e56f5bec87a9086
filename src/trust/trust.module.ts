import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { TrustController } from './trust.controller';
import { TrustReadModel } from './trust.read-model';

/** Trust scores per agent, a projection of the ledger, read by the policy gate; admins' attestations. */
@Module({
  imports: [AgentsModule],
  controllers: [TrustController],
  providers: [TrustReadModel],
  exports: [TrustReadModel],
})
export class TrustModule {}
