import { Global, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createEventStore, EVENT_STORE, EventStoreConfigError, sqliteFileOf, type EventStore } from '@warden/event-store';
import { PAYLOAD_STORE, SqlitePayloadStore, type PayloadStore } from '@warden/payload-store';
import { SqliteDatabase } from '@warden/sqlite';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { CLOCK, ID_GENERATOR, systemClock, uuidV7Ids, type Clock, type IdGenerator } from './clock';
import { loadNodeKeyring, loadOrCreateMasterKey, type NodeKeyring } from './key-files';
import { ensureNodeKeyRegistered } from './key-registration';
import { AggregateStore } from './aggregate-store';
import { LedgerWriter } from './ledger-writer';
import { ReadModelProjector } from './read-model-projector';
import { inlineSignatures, type SignatureQueue } from './signing/signature-queue';
import { WorkerSignatures } from './signing/worker-signatures';

export const NODE_KEYRING = Symbol('NODE_KEYRING');
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
    {
      provide: NODE_KEYRING,
      inject: [WARDEN_CONFIG],
      useFactory: (config: WardenConfig) => loadNodeKeyring(config.dataDir, config.nodeId),
    },
    { provide: EMBEDDED_DATABASE, inject: [WARDEN_CONFIG], useFactory: openEmbeddedDatabase },
    {
      provide: EVENT_STORE,
      inject: [WARDEN_CONFIG, EMBEDDED_DATABASE, NODE_KEYRING, CLOCK, ID_GENERATOR],
      useFactory: async (config: WardenConfig, database: SqliteDatabase, keys: NodeKeyring, clock: Clock, ids: IdGenerator) => {
        const store = createEventStore(config.eventStoreUrl, { database });
        await ensureNodeKeyRegistered(store, keys.root, keys.node, config.nodeId, clock, ids);
        return store;
      },
    },
    {
      provide: PAYLOAD_STORE,
      inject: [WARDEN_CONFIG, EMBEDDED_DATABASE],
      useFactory: (config: WardenConfig, database: SqliteDatabase) =>
        new SqlitePayloadStore({ database, masterKey: loadOrCreateMasterKey(config.dataDir, randomBytes) }),
    },
    {
      provide: NODE_SIGNATURES,
      inject: [NODE_KEYRING, WARDEN_CONFIG],
      useFactory: (keys: NodeKeyring, config: WardenConfig) =>
        config.signing === 'inline' ? inlineSignatures(keys.node) : new WorkerSignatures(keys.node.kid, keys.nodePrivateKey),
    },
    {
      provide: LedgerWriter,
      inject: [EVENT_STORE, NODE_SIGNATURES, CLOCK, ID_GENERATOR],
      useFactory: (store: EventStore, signatures: SignatureQueue, clock: Clock, ids: IdGenerator) =>
        new LedgerWriter(store, signatures, clock, ids),
    },
    {
      provide: ReadModelProjector,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new ReadModelProjector(store),
    },
    AggregateStore,
  ],
  exports: [AggregateStore, CLOCK, ID_GENERATOR, NODE_KEYRING, EVENT_STORE, PAYLOAD_STORE, LedgerWriter, ReadModelProjector],
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
