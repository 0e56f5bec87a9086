import { Module } from '@nestjs/common';
import { loadOrCreateKeyHintSecret } from '../common/key-hint-secret';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { GatewayModule } from '../gateway/gateway.module';
import { ApprovalHold } from './approval-hold';
import { ApprovalNotifier } from './approval-notifier';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsReadModel } from './approvals.read-model';
import { ArgumentsDigests } from './arguments-digest';
import { StepUpApprovals } from './step-up-approvals';

/** Step-up approvals: the gateway's StepUpHold, the approvers' API, the signed webhook. */
@Module({
  imports: [GatewayModule],
  controllers: [ApprovalsController],
  providers: [
    ApprovalsReadModel,
    StepUpApprovals,
    ApprovalNotifier,
    ApprovalHold,
    { provide: ArgumentsDigests, inject: [WARDEN_CONFIG], useFactory: (config: WardenConfig) => new ArgumentsDigests(loadOrCreateKeyHintSecret(config.dataDir)) },
  ],
  exports: [ApprovalsReadModel, ApprovalNotifier],
})
export class ApprovalsModule {}
