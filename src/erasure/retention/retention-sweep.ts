import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { PAYLOAD_STORE, type PayloadStore } from '@warden/payload-store';
import { WARDEN_CONFIG, type WardenConfig } from '../../config/warden-config';
import { OrganisationsReadModel } from '../../tenancy/organisations.read-model';
import { ErasePayloadsCommand, type ErasedPayloads } from '../commands/erase-payloads.command';
import { RetentionReadModel } from './retention.read-model';

export const RETENTION_REASON = 'retention';
const DAY_MS = 86_400_000;
const BATCH = 500;

export interface RetentionSweepResult {
  orgId: string;
  days: number;
  /** Payloads of events before this time were erased. */
  before: string;
  erased: number;
  erasureEventIds: string[];
}

/** The smallest uuidv7 of millisecond `ms`: every event id of an earlier millisecond sorts before it. */
export function uuidV7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/**
 * One retention sweep at `nowMs`: for each organisation with a rule (its own, else
 * WARDEN_PAYLOAD_RETENTION_DAYS), the payloads of events older than the rule are erased through
 * the erasure handler — a signed PayloadsErased (reason "retention", actor system:retention)
 * first, then the erasure — in batches of 500. The events, their chains and every proof stay.
 */
@Injectable()
export class RetentionSweep {
  private readonly logger = new Logger('Retention');

  constructor(
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    @Inject(PAYLOAD_STORE) private readonly payloads: PayloadStore,
    private readonly organisations: OrganisationsReadModel,
    private readonly rules: RetentionReadModel,
    private readonly commands: CommandBus,
  ) {}

  /** The rule in force for an organisation: its own, else the deployment's default, else none. */
  daysFor(orgId: string): { days: number; source: 'organisation' | 'default' } | undefined {
    const own = this.rules.of(orgId);
    if (own) return { days: own.days, source: 'organisation' };
    return this.config.retention.defaultDays !== undefined ? { days: this.config.retention.defaultDays, source: 'default' } : undefined;
  }

  async run(nowMs: number): Promise<RetentionSweepResult[]> {
    const results: RetentionSweepResult[] = [];
    for (const organisation of this.organisations.list()) {
      const rule = this.daysFor(organisation.orgId);
      if (!rule) continue;
      const beforeMs = nowMs - rule.days * DAY_MS;
      const bound = uuidV7Floor(beforeMs);
      const result: RetentionSweepResult = { orgId: organisation.orgId, days: rule.days, before: new Date(beforeMs).toISOString(), erased: 0, erasureEventIds: [] };
      for (;;) {
        const eventIds = await this.payloads.presentBefore(organisation.orgId, bound, BATCH);
        if (eventIds.length === 0) break;
        const erased: ErasedPayloads = await this.commands.execute(new ErasePayloadsCommand(organisation.orgId, eventIds, RETENTION_REASON, { kind: 'system', id: 'retention' }));
        result.erased += erased.eventIds.length;
        result.erasureEventIds.push(erased.erasureEventId);
        if (eventIds.length < BATCH) break;
      }
      if (result.erased > 0) {
        this.logger.log(`erased ${result.erased} payloads older than ${rule.days} days in organisation ${organisation.orgId}`);
        results.push(result);
      }
    }
    return results;
  }
}
