import { Module } from '@nestjs/common';
import { TenancyModule } from '../../tenancy/tenancy.module';
import { RetentionController } from './retention.controller';
import { RetentionReadModel } from './retention.read-model';
import { RetentionSchedule } from './retention-schedule';
import { RetentionSweep } from './retention-sweep';
import { SetRetentionHandler } from './set-retention.handler';

/** Payload retention: per-organisation rules (signed), a scheduled sweep that erases through the erasure handler. */
@Module({
  imports: [TenancyModule],
  controllers: [RetentionController],
  providers: [RetentionReadModel, SetRetentionHandler, RetentionSweep, RetentionSchedule],
})
export class RetentionModule {}
