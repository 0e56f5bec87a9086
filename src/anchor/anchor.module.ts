import { Inject, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@warden/event-store';
import { ANCHOR_STORE, SqliteAnchorStore, type AnchorStore } from '@warden/anchor-store';
import type { SqliteDatabase } from '@warden/sqlite';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { LedgerIntegrity } from '../ledger/ledger-integrity';
import { EMBEDDED_DATABASE, NODE_TRUST } from '../ledger/ledger.module';
import { LedgerWriter } from '../ledger/ledger-writer';
import type { NodeTrust } from '../ledger/node-trust';
import { AnchorProjection } from './anchor-projection';
import { AnchorProofs } from './anchor-proofs';
import { CheckpointSigner } from './checkpoint-signer';
import { Cosignatures } from './cosignatures';
import { LogController } from './log.controller';
import { deploymentName } from './log-origin';
import { WitnessPush } from './witness-push';
import { createUpstreamEgress, egressPolicyFrom } from '../upstream/upstream-egress';

/**
 * The Merkle anchor: per-organisation logs over the ledger, signed checkpoints, proofs. Its store
 * is a set of tables in the embedded ledger file (its writes share the event store's group commit).
 */
@Module({
  controllers: [LogController],
  providers: [
    {
      provide: ANCHOR_STORE,
      inject: [EMBEDDED_DATABASE],
      useFactory: (database: SqliteDatabase) => new SqliteAnchorStore({ database }),
    },
    {
      provide: CheckpointSigner,
      inject: [WARDEN_CONFIG, NODE_TRUST, LedgerWriter],
      useFactory: (config: WardenConfig, trust: NodeTrust, writer: LedgerWriter) =>
        new CheckpointSigner(deploymentName(config.checkpoints.logOrigin, trust.root.kid), trust.node.signer, writer, config.nodeId),
    },
    {
      provide: AnchorProjection,
      inject: [WARDEN_CONFIG, EVENT_STORE, ANCHOR_STORE, LedgerIntegrity, CheckpointSigner],
      useFactory: (config: WardenConfig, events: EventStore, anchors: AnchorStore, integrity: LedgerIntegrity, signer: CheckpointSigner) =>
        new AnchorProjection(events, anchors, integrity, (request) => signer.sign(request), {
          everyEvents: config.checkpoints.everyEvents,
          everyMs: config.checkpoints.everyMs,
        }),
    },
    {
      provide: Cosignatures,
      inject: [ANCHOR_STORE, WARDEN_CONFIG],
      useFactory: (anchors: AnchorStore, config: WardenConfig) => new Cosignatures(anchors, config.checkpoints.witnessKeys),
    },
    {
      provide: AnchorProofs,
      inject: [ANCHOR_STORE, AnchorProjection],
      useFactory: (anchors: AnchorStore, projection: AnchorProjection) => new AnchorProofs(anchors, (log) => projection.persistedSize(log)),
    },
    {
      provide: WitnessPush,
      inject: [WARDEN_CONFIG, AnchorProofs, Cosignatures],
      useFactory: (config: WardenConfig, proofs: AnchorProofs, cosignatures: Cosignatures) =>
        new WitnessPush(config.checkpoints.witnessUrls, createUpstreamEgress(egressPolicyFrom(config.egressAllowHttpHosts, config.egressAllowPrivate)), proofs, cosignatures),
    },
  ],
  exports: [AnchorProjection, AnchorProofs, ANCHOR_STORE, Cosignatures, WitnessPush],
})
export class AnchorModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly projection: AnchorProjection,
    @Inject(ANCHOR_STORE) private readonly anchors: AnchorStore,
    private readonly witnessPush: WitnessPush,
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
  ) {}

  /** Catching up runs in the background: the node serves while the anchor reads the log. */
  onApplicationBootstrap(): void {
    if (this.config.checkpoints.witnessUrls.length > 0) this.projection.onCheckpointStored((checkpoint) => void this.witnessPush.push(checkpoint));
    this.projection.start().catch(() => undefined); // a failure is the projection's health
  }

  /** Before the ledger module closes the database: stop reading, sign nothing more, commit, let the pushes finish. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.projection.stop();
    await this.witnessPush.close();
    await this.anchors.close();
  }
}
