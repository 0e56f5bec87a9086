import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PAYLOAD_STORE, type PayloadStore } from '@warden/payload-store';
import { WardenError } from '../../common/warden-error';
import { FULL_TEXT_ERASURE, type FullTextErasure } from '../../forensics/full-text-erasure';
import { LedgerWriter } from '../../ledger/ledger-writer';
import { erasureStream, PAYLOADS_ERASED_TYPE, type PayloadsErasedData } from '../erasure.events';
import { ErasePayloadsCommand, type ErasedPayloads } from './erase-payloads.command';

/**
 * Erases payloads of the admin's organisation: the PayloadsErased event is appended FIRST, then
 * the payloads are erased. If the erasure stops half-way, the ledger already names every payload
 * meant to go, and `verify --payloads` reports the ones still there (ERASURE_INCOMPLETE); it never
 * sees a payload gone without an event. Repeating the request finishes the job (erase is idempotent).
 */
@CommandHandler(ErasePayloadsCommand)
export class ErasePayloadsHandler implements ICommandHandler<ErasePayloadsCommand, ErasedPayloads> {
  constructor(
    private readonly writer: LedgerWriter,
    @Inject(PAYLOAD_STORE) private readonly payloads: PayloadStore,
    @Inject(FULL_TEXT_ERASURE) private readonly fullText: FullTextErasure,
  ) {}

  async execute(command: ErasePayloadsCommand): Promise<ErasedPayloads> {
    const eventIds = command.query !== undefined ? await this.fullText.resolve(command.orgId, command.query) : [...new Set(command.eventIds)];
    for (const eventId of eventIds) {
      // Only payloads this organisation holds (present or already erased) can be named.
      // A payload that no longer decrypts is still this organisation's to erase: only "missing" refuses.
      const lookup = await this.payloads.get(command.orgId, eventId).catch(() => ({ status: 'present' as const }));
      if (lookup.status === 'missing') {
        throw new WardenError('not_found', 'ERASURE.UNKNOWN_PAYLOAD', `eventIds: no payload of event ${eventId} in this organisation`, { field: 'eventIds', eventId });
      }
    }
    const data: PayloadsErasedData = { eventIds, reason: command.reason, ...(command.query !== undefined ? { selectedBy: 'full-text' as const } : {}) };
    const appended = await this.writer.append(erasureStream(command.orgId), [
      { type: PAYLOADS_ERASED_TYPE, org: command.orgId, actor: command.actor, data: data as unknown as Record<string, unknown> },
    ]);
    for (const eventId of eventIds) await this.payloads.erase(command.orgId, eventId);
    await this.fullText.erased(appended.position, erasureStream(command.orgId)); // the forensic index has forgotten the text
    return { erasureEventId: appended.envelopes[0].id, eventIds };
  }
}
