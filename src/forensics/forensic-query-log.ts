import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@warden/ledger';
import { PAYLOAD_STORE, type PayloadStore, type PendingPayload } from '@warden/payload-store';
import { WardenError } from '../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { LedgerWriter } from '../ledger/ledger-writer';
import { FORENSIC_QUERY_RUN_TYPE, forensicsStream, type ForensicQueryRunData } from './forensics.events';

/**
 * Records a read before its answer leaves: if the ForensicQueryRun cannot be made durable, the
 * read is refused (503): no unrecorded look at the index. The full-text query is the payload.
 */
@Injectable()
export class ForensicQueryLog {
  constructor(
    private readonly writer: LedgerWriter,
    @Inject(PAYLOAD_STORE) private readonly payloads: PayloadStore,
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
  ) {}

  async record(org: string, actor: Actor, data: ForensicQueryRunData, q: string | undefined): Promise<void> {
    const eventId = this.writer.newEventId();
    let payload: PendingPayload | undefined;
    try {
      payload = q === undefined ? undefined : this.payloads.write(org, eventId, { q });
      const event = this.writer.append(forensicsStream(org, this.config.nodeId), [
        { id: eventId, type: FORENSIC_QUERY_RUN_TYPE, org, actor, data: data as unknown as Record<string, unknown>, payload: payload ? { digest: payload.digest } : null },
      ]);
      event.catch(() => payload?.abandon());
      await Promise.all([payload?.durable, event]);
    } catch (error) {
      const failure = new WardenError('unavailable', 'LEDGER.UNAVAILABLE', 'the ledger cannot record this read of the forensic index, so it is not answered');
      failure.cause = error;
      throw failure;
    }
  }
}
