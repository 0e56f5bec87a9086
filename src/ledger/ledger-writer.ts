import { GENESIS_PREV, hashEvent, withSignature, type Actor, type EventEnvelope, type PayloadReference, type Signer } from '@warden/ledger';
import { WrongExpectedRevisionError, type AppendOptions, type EventStore, type RecordedEvent } from '@warden/event-store';
import type { Clock, IdGenerator } from './clock';
import { inlineSignatures, isSignatureQueue, type SignatureQueue } from './signing/signature-queue';

/** When an append's promise may resolve: see AppendOptions of the event store. */
export type Durability = NonNullable<AppendOptions['durability']>;

export interface NewLedgerEvent<D extends object = Record<string, unknown>> {
  /** Pre-allocate with LedgerWriter.newEventId() when a payload must be bound to the id first. */
  id?: string;
  type: string;
  org: string;
  actor: Actor;
  data: D;
  payload?: PayloadReference | null;
}

export interface AppendedEvents {
  envelopes: EventEnvelope[];
  /** Global position of the last event written. */
  position: number;
}

export interface LedgerWriterOptions {
  /**
   * Checks the stored event a stream's chain continues from, before the first append to that
   * stream (throws to refuse: the writer never vouches for a row it did not verify).
   */
  verifyHead?: (head: RecordedEvent) => void;
  /** Called before every append with the signing key id; throws to refuse (a revoked key). */
  assertKeyActive?: (kid: string) => void;
  /** Told what this writer signed, before it is appended (so a reader woken by the commit already knows). */
  onSigned?: (envelopes: readonly EventEnvelope[]) => void;
}

interface ChainHead {
  /** seq of the next event. */
  nextSeq: number;
  prev: string;
}

/**
 * Seals (chain + sign) and appends events to one stream. The node is the only writer of its
 * streams, so the chain head stays in memory: seq/prev are reserved (and the events hashed)
 * synchronously in call order; signatures come from a SignatureQueue (on a worker thread in the
 * gateway), which hands them back in that same order, so appends reach the store in reservation
 * order and the store's expected-revision check guards the chain.
 * Any failed append (hashing, signing, committing) forgets the head, so the next append re-reads
 * it from the store; appends reserved after a failed one then fail on the expected revision.
 */
export class LedgerWriter {
  private readonly heads = new Map<string, ChainHead>();
  private readonly loading = new Map<string, Promise<ChainHead>>();
  private readonly signatures: SignatureQueue;

  /** @param signer a Signer signs on the calling thread; a SignatureQueue may sign elsewhere. */
  constructor(
    private readonly store: EventStore,
    signer: Signer | SignatureQueue,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly options: LedgerWriterOptions = {},
  ) {
    this.signatures = isSignatureQueue(signer) ? signer : inlineSignatures(signer);
  }

  newEventId(): string {
    return this.ids.next();
  }

  get keyId(): string {
    return this.signatures.kid;
  }

  /**
   * @param expectedRevision when given (a decider's view of the stream), the append fails with
   *   WrongExpectedRevisionError unless the stream is exactly there; nothing is written then.
   * @param durability 'deferred' for records nobody waits on: still durable when this resolves,
   *   but the store may make them so with a later append (see AppendOptions).
   */
  async append(stream: string, events: NewLedgerEvent[], expectedRevision?: number, durability: Durability = 'immediate'): Promise<AppendedEvents> {
    if (events.length === 0) throw new Error('append needs at least one event');
    this.options.assertKeyActive?.(this.signatures.kid);
    const head = this.heads.get(stream) ?? (await this.loadHead(stream));
    if (expectedRevision !== undefined && head.nextSeq - 1 !== expectedRevision) {
      throw new WrongExpectedRevisionError(stream, expectedRevision, head.nextSeq - 1);
    }
    const storeExpected = head.nextSeq - 1;
    try {
      const hashed = events.map((event) => {
        const next = hashEvent(
          {
            id: event.id ?? this.ids.next(),
            type: event.type,
            stream,
            org: event.org,
            at: this.clock.nowIso(),
            actor: event.actor,
            data: event.data as Record<string, unknown>,
            payload: event.payload ?? null,
          },
          { seq: head.nextSeq, prev: head.prev },
          this.signatures.kid,
        );
        head.nextSeq += 1;
        head.prev = next.hash;
        return next;
      });
      return await this.signatures.sign(
        hashed.map((h) => h.hashBytes),
        async (signatures) => {
          const envelopes = hashed.map((h, i) => withSignature(h, signatures[i]));
          this.options.onSigned?.(envelopes);
          const result = await this.store.appendToStream(
            stream,
            envelopes.map((e) => ({ id: e.id, type: e.type, data: e })),
            { expectedRevision: storeExpected < 0 ? 'no_stream' : storeExpected, durability },
          );
          return { envelopes, position: result.position };
        },
        durability === 'deferred',
      );
    } catch (error) {
      this.heads.delete(stream);
      throw error;
    }
  }

  private loadHead(stream: string): Promise<ChainHead> {
    let pending = this.loading.get(stream);
    if (!pending) {
      pending = this.readHead(stream).finally(() => this.loading.delete(stream));
      this.loading.set(stream, pending);
    }
    return pending;
  }

  private async readHead(stream: string): Promise<ChainHead> {
    const revision = await this.store.streamRevision(stream);
    let head: ChainHead = { nextSeq: 0, prev: GENESIS_PREV };
    if (revision >= 0) {
      const [last] = await this.store.readStream(stream, { fromRevision: revision, maxCount: 1 });
      this.options.verifyHead?.(last);
      head = { nextSeq: revision + 1, prev: (last.data as EventEnvelope).hash };
    }
    // A concurrent loader may have set it already; keep one object so reservations are shared.
    const existing = this.heads.get(stream);
    if (existing) return existing;
    this.heads.set(stream, head);
    return head;
  }
}
