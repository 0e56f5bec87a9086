import { Command } from '@nestjs/cqrs';
import type { Actor } from '@warden/ledger';
import type { RiskClass } from '../registry.events';
import type { RegisteredTool } from '../servers.read-model';

/** Classify a tool, or approve it (optionally classifying it in the same step). */
export class ReviewToolCommand extends Command<RegisteredTool> {
  constructor(
    readonly orgId: string,
    readonly serverId: string,
    readonly tool: string,
    readonly action: 'classify' | 'approve',
    readonly riskClass: RiskClass | undefined,
    readonly actor: Actor,
  ) {
    super();
  }
}
