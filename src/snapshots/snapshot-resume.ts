import type { LoggerService } from '@nestjs/common';
import type { EventStore } from '@warden/event-store';
import type { SnapshotStore } from '@warden/snapshot-store';
import type { LedgerIntegrity } from '../ledger/ledger-integrity';
import type { ResumeSource } from '../ledger/read-model-projector';
import { checkSnapshot } from './snapshot-checks';

/**
 * The projector's resume source: the newest stored snapshot, checked (snapshot-checks.ts). Any
 * failure — a refused snapshot, an unreadable store — is one log line naming why, and the full
 * verified replay; it never fails open and never stops the node.
 */
export function snapshotResumeSource(store: SnapshotStore, events: EventStore, integrity: LedgerIntegrity, logger: LoggerService): ResumeSource {
  return async (projections) => {
    let position: number | undefined;
    try {
      const stored = await store.latest();
      if (!stored) {
        logger.log('no read-model snapshot: replaying the ledger in full');
        return undefined;
      }
      position = stored.position;
      const resume = await checkSnapshot(stored, { events, integrity, projections });
      logger.log(`resuming the read models from the snapshot at position ${resume.position}: verifying only the events after it`);
      return resume;
    } catch (error) {
      const refused = `the read-model snapshot${position !== undefined ? ` at position ${position}` : ''} is refused: ${(error as Error).message}`;
      logger.warn(`${refused}; replaying the ledger in full`);
      return { refused };
    }
  };
}
