import { Global, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createEventStore, EVENT_STORE, EventStoreConfigError, sqliteFileOf, type EventStore } from '@warden/event-store';
import { PAYLOAD_STORE, SqlitePayloadStore, type PayloadStore } from '@warden/payload-store';
import { SqliteDatabase } from '@warden/sqlite';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { CLOCK, ID_GENERATOR, systemClock, uuidV7Ids, type Clock, type IdGenerator } from './clock';
import { loadOrCreateMasterKey } from './key-files';
import { readKeyStream } from './key-registration';
import { LedgerIntegrity } from './ledger-integrity';
import { establishNodeTrust, type NodeTrust } from './node-trust';
import { AggregateStore } from './aggregate-store';
import { LedgerWriter } from './ledger-writer';
import { ReadModelProjector } from './read-model-projector';
import { inlineSignatures, type SignatureQueue } from './signing/signature-queue';
import { WorkerSignatures } from './signing/worker-signatures';

/** The root public key this node trusts and its own node key (never the root's private key). */
export const NODE_TRUST = Symbol('NODE_TRUST');
/**
 * The embedded SQLite file that the event store and the payload store share: their writes of one
 * round commit in one transaction (one fsync). A call's payload waits (bounded) for its event,
 * which comes once signed, and commits with it under one savepoint: both or neither.
 */
export const EMBEDDED_DATABASE = Symbol('EMBEDDED_DATABASE');
/** The node key's signatures, made on a worker thread so that the event loop only hashes and commits. */
export const NODE_SIGNATURES = Symbol('NODE_SIGNATURES');

function openEmbeddedDatabase(config: WardenConfig): SqliteDatabase {
  const file = sqliteFileOf(config.eventStoreUrl);
  if (file === undefined) {
    throw new EventStoreConfigError(`this build keeps payloads in the embedded SQLite ledger: use sqlite:<path>, not "${config.eventStoreUrl}"`);
  }
  return new SqliteDatabase(file, { synchronous: config.sqliteSynchronous });
}

/**
 * The ledger seam for every capability module: the event store and payload store ports (adapters
 * picked by config), the node's signing writer, and the projector that feeds read models.
 */
@Global()
@Module({
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: ID_GENERATOR, useValue: uuidV7Ids },
    { provide: EMBEDDED_DATABASE, inject: [WARDEN_CONFIG], useFactory: openEmbeddedDatabase },
    {
      provide: EVENT_STORE,
      inject: [WARDEN_CONFIG, EMBEDDED_DATABASE],
      useFactory: (config: WardenConfig, database: SqliteDatabase) => createEventStore(config.eventStoreUrl, { database }),
    },
    {
      provide: NODE_TRUST,
      inject: [WARDEN_CONFIG, EVENT_STORE, CLOCK, ID_GENERATOR],
      useFactory: (config: WardenConfig, store: EventStore, clock: Clock, ids: IdGenerator) =>
        establishNodeTrust(store, { dataDir: config.dataDir, nodeId: config.nodeId, rootFingerprint: config.rootFingerprint }, clock, ids),
    },
    {
      provide: LedgerIntegrity,
      inject: [NODE_TRUST, EVENT_STORE],
      useFactory: async (trust: NodeTrust, store: EventStore) => new LedgerIntegrity(trust.root.publicKey, await readKeyStream(store)),
    },
    {
      provide: PAYLOAD_STORE,
      inject: [WARDEN_CONFIG, EMBEDDED_DATABASE],
      useFactory: (config: WardenConfig, database: SqliteDatabase) =>
        new SqlitePayloadStore({ database, masterKey: loadOrCreateMasterKey(config.dataDir, randomBytes) }),
    },
    {
      provide: NODE_SIGNATURES,
      inject: [NODE_TRUST, WARDEN_CONFIG],
      useFactory: (trust: NodeTrust, config: WardenConfig) =>
        config.signing === 'inline' ? inlineSignatures(trust.node.signer) : new WorkerSignatures(trust.node.signer.kid, trust.node.privateKey),
    },
    {
      provide: LedgerWriter,
      inject: [EVENT_STORE, NODE_SIGNATURES, CLOCK, ID_GENERATOR, LedgerIntegrity],
      useFactory: (store: EventStore, signatures: SignatureQueue, clock: Clock, ids: IdGenerator, integrity: LedgerIntegrity) =>
        new LedgerWriter(store, signatures, clock, ids, {
          verifyHead: (head) => integrity.checkHead(head),
          assertKeyActive: (kid) => integrity.assertSigningKeyActive(kid),
          onSigned: (envelopes) => integrity.signedHere(envelopes),
        }),
    },
    {
      provide: ReadModelProjector,
      inject: [EVENT_STORE, LedgerIntegrity, WARDEN_CONFIG],
      useFactory: (store: EventStore, integrity: LedgerIntegrity, config: WardenConfig) => new ReadModelProjector(store, integrity, { verifyWorkers: config.replayWorkers }),
    },
    AggregateStore,
  ],
  exports: [AggregateStore, CLOCK, ID_GENERATOR, NODE_TRUST, LedgerIntegrity, EVENT_STORE, PAYLOAD_STORE, EMBEDDED_DATABASE, LedgerWriter, ReadModelProjector],
})
export class LedgerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly projector: ReadModelProjector,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYLOAD_STORE) private readonly payloads: PayloadStore,
    @Inject(EMBEDDED_DATABASE) private readonly database: SqliteDatabase,
    @Inject(NODE_SIGNATURES) private readonly signatures: SignatureQueue,
  ) {}

  /** Read models register in their constructors; replay the log once they all have. */
  async onApplicationBootstrap(): Promise<void> {
    await this.projector.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projector.stop();
    await this.signatures.close();
    await this.store.close();
    await this.payloads.close();
    await this.database.close();
  }
}
