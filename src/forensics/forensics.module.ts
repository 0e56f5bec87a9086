import { Inject, Module, type BeforeApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { ANCHOR_STORE, type AnchorStore } from '@warden/anchor-store';
import { FORENSIC_INDEX, SqliteForensicIndex, type ForensicIndex } from '@warden/forensic-index';
import { PAYLOAD_STORE, type PayloadStore } from '@warden/payload-store';
import { AnchorModule } from '../anchor/anchor.module';
import { AnchorProofs } from '../anchor/anchor-proofs';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { CallDetails } from './call-detail';
import { CallsController } from './calls.controller';
import { ForensicQueryLog } from './forensic-query-log';
import { ForensicReads } from './forensic-reads';
import { ForensicsProjection } from './forensics-projection';
import { FULL_TEXT_ERASURE, FullTextErasure } from './full-text-erasure';

/** The index file, beside the ledger in the data directory: delete it and the next start rebuilds it by replay. */
export const FORENSIC_INDEX_FILE = 'forensics.db';

/**
 * Forensics: the forensic index (indexed columns and full text over decrypted content) as a
 * projection of the calls and erasure streams, the investigators' and auditors' reads of it
 * (each one recorded), and the full-text selection of a data-subject erasure.
 */
@Module({
  imports: [AnchorModule],
  controllers: [CallsController],
  providers: [
    {
      provide: FORENSIC_INDEX,
      inject: [WARDEN_CONFIG],
      // NORMAL whatever the ledger's mode: the index is derived, and each batch is written with its
      // position, so a batch lost to power loss is indexed again from the ledger at the next start
      // (the ledger is durable before the index ever sees an event). Under FULL its fsync blocked
      // the event loop every 50 ms batch.
      useFactory: (config: WardenConfig) => new SqliteForensicIndex({ file: join(config.dataDir, FORENSIC_INDEX_FILE), synchronous: 'NORMAL' }),
    },
    {
      provide: ForensicsProjection,
      inject: [FORENSIC_INDEX, PAYLOAD_STORE, ReadModelProjector],
      useFactory: (index: ForensicIndex, payloads: PayloadStore, projector: ReadModelProjector) => {
        const projection = new ForensicsProjection(index, payloads);
        projector.register(projection);
        return projection;
      },
    },
    {
      provide: CallDetails,
      inject: [FORENSIC_INDEX, PAYLOAD_STORE, ANCHOR_STORE, AnchorProofs],
      useFactory: (index: ForensicIndex, payloads: PayloadStore, anchors: AnchorStore, proofs: AnchorProofs) => new CallDetails(index, payloads, anchors, proofs),
    },
    ForensicQueryLog,
    {
      provide: ForensicReads,
      inject: [FORENSIC_INDEX, ForensicsProjection, CallDetails, ForensicQueryLog],
      useFactory: (index: ForensicIndex, projection: ForensicsProjection, details: CallDetails, log: ForensicQueryLog) => new ForensicReads(index, projection, details, log),
    },
    {
      provide: FULL_TEXT_ERASURE,
      inject: [FORENSIC_INDEX, ForensicsProjection, ReadModelProjector],
      useFactory: (index: ForensicIndex, projection: ForensicsProjection, projector: ReadModelProjector) => new FullTextErasure(index, projection, projector),
    },
  ],
  exports: [FULL_TEXT_ERASURE, ForensicsProjection],
})
export class ForensicsModule implements BeforeApplicationShutdown {
  constructor(
    private readonly projection: ForensicsProjection,
    @Inject(FORENSIC_INDEX) private readonly index: ForensicIndex,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.projection.stop();
    this.index.close();
  }
}
