import { Inject, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_STORE, sqliteFileOf, type EventStore } from '@warden/event-store';
import { ANCHOR_STORE, type AnchorStore } from '@warden/anchor-store';
import { SNAPSHOT_STORE, SqliteSnapshotStore, type SnapshotStore } from '@warden/snapshot-store';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { AnchorModule } from '../anchor/anchor.module';
import { AnchorProjection } from '../anchor/anchor-projection';
import { AnchorProofs } from '../anchor/anchor-proofs';
import { LedgerIntegrity } from '../ledger/ledger-integrity';
import { NODE_TRUST } from '../ledger/ledger.module';
import type { NodeTrust } from '../ledger/node-trust';
import { ReadModelProjector } from '../ledger/read-model-projector';
import { ReadModelSnapshots } from './read-model-snapshots';
import { SnapshotEncoder } from './snapshot-encoder';
import { snapshotResumeSource } from './snapshot-resume';

/** `ledger.db` → `ledger.snapshots.db`, beside it (an in-memory ledger keeps its snapshots in memory). */
export function snapshotFileOf(ledgerFile: string): string {
  return ledgerFile === ':memory:' ? ':memory:' : `${ledgerFile.replace(/\.db$/, '')}.snapshots.db`;
}

/**
 * Read-model snapshots: start-up restores the read models from the newest verified snapshot and
 * replays only the events after it; snapshots are taken in the background (README "Snapshots").
 */
@Module({
  imports: [AnchorModule],
  providers: [
    {
      provide: SNAPSHOT_STORE,
      inject: [WARDEN_CONFIG],
      useFactory: (config: WardenConfig) => new SqliteSnapshotStore({ file: snapshotFileOf(sqliteFileOf(config.eventStoreUrl)!), synchronous: config.sqliteSynchronous }),
    },
    {
      provide: ReadModelSnapshots,
      inject: [WARDEN_CONFIG, ReadModelProjector, LedgerIntegrity, EVENT_STORE, SNAPSHOT_STORE, AnchorProjection, ANCHOR_STORE, NODE_TRUST],
      useFactory: (config: WardenConfig, projector: ReadModelProjector, integrity: LedgerIntegrity, events: EventStore, snapshots: SnapshotStore, anchor: AnchorProjection, anchors: AnchorStore, trust: NodeTrust) => {
        const logger = new Logger('ReadModelSnapshots');
        const proofs = new AnchorProofs(anchors, (log) => anchor.persistedSize(log));
        return new ReadModelSnapshots(projector, integrity, events, snapshots, anchor, anchors, proofs, trust.node.signer, config.snapshots, (m) => logger.warn(m), new SnapshotEncoder(config.snapshots.encoding));
      },
    },
  ],
  exports: [ReadModelSnapshots],
})
export class SnapshotsModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    private readonly snapshots: ReadModelSnapshots,
    @Inject(SNAPSHOT_STORE) private readonly store: SnapshotStore,
    projector: ReadModelProjector,
    @Inject(EVENT_STORE) events: EventStore,
    integrity: LedgerIntegrity,
  ) {
    // Set before any module's bootstrap hook: the projector starts in the ledger module's.
    if (config.snapshots.enabled) projector.resumeFrom(snapshotResumeSource(store, events, integrity, new Logger('ReadModelSnapshots')));
  }

  onApplicationBootstrap(): void {
    if (this.config.snapshots.enabled) this.snapshots.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.snapshots.stop();
    await this.store.close();
  }
}
