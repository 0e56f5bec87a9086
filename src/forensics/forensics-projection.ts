import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '@warden/ledger';
import type { ForensicIndex, ForensicIndexWrite } from '@warden/forensic-index';
import type { PayloadStore } from '@warden/payload-store';
import type { Projection } from '../ledger/projection';
import { indexWorkOf, type IndexWork, type PayloadToIndex } from './index-work';
import { searchableText } from './searchable-text';

const BATCH = 256;
/**
 * How long a queued event waits for others to be indexed with it: one index transaction (and,
 * under synchronous FULL, one fsync) per batch, not per event. A read flushes the queue first
 * (settled()), so this delays nothing anyone can observe but the health's `queued`.
 */
export const FORENSIC_COALESCE_MS = 50;

export interface ForensicsHealth {
  /** Global position the index file has reached. */
  position: number;
  /** Events handed over and not yet indexed. */
  queued: number;
  /** Payloads that could not be read back (indexed without their text). */
  unreadablePayloads: number;
  /** Permanent: a write the index refused; nothing after it is indexed. */
  failure?: string;
}

/**
 * The forensic index as a projection of the calls and erasure streams. apply() (the projector's
 * turn, also during the replay at start) only queues what an event changes; the queue is drained
 * in batches after it, where payloads are read back (decrypted by the payload store, the service
 * the gateway writes them with) and each batch is written in one transaction with its position.
 * Live events are gathered for FORENSIC_COALESCE_MS (or until a batch is full) before a drain:
 * each call's two events would otherwise cost two index transactions on the event loop.
 * Events the index file already has (position ≤ its own) are skipped, so a restart costs one
 * comparison per event and a deleted file is rebuilt by the replay.
 */
export class ForensicsProjection implements Projection {
  readonly name = 'forensics';
  readonly streamPrefixes = ['calls-', 'erasure-'];
  private readonly logger = new Logger('ForensicsProjection');
  private readonly indexedUpTo: number;
  private written: number;
  private queue: Array<{ position: number; work: IndexWork }> = [];
  private draining?: Promise<void>;
  private coalescing?: NodeJS.Timeout;
  private unreadable = 0;
  private failure?: string;
  private stopped = false;

  constructor(
    private readonly index: ForensicIndex,
    private readonly payloads: PayloadStore,
  ) {
    this.indexedUpTo = index.position();
    this.written = this.indexedUpTo;
  }

  /** The index file holds the log up to here: a start from a snapshot at or before it does not replay the calls streams for it. */
  heldUpTo(): number {
    return this.indexedUpTo;
  }

  apply(envelope: EventEnvelope, position: number): void {
    if (position <= this.indexedUpTo || this.failure || this.stopped) return;
    const work = indexWorkOf(envelope);
    if (!work) return;
    this.queue.push({ position, work });
    if (this.draining) return; // the drain in flight takes it
    if (this.queue.length >= BATCH) this.startDrain();
    else this.coalescing ??= setTimeout(() => this.startDrain(), FORENSIC_COALESCE_MS).unref();
  }

  /** Resolves once everything handed over so far is in the index (or the index failed: see health); drains at once. */
  async settled(): Promise<void> {
    while (this.draining || this.queue.length > 0) {
      if (this.failure || this.stopped) this.queue = [];
      else this.startDrain();
      if (this.draining) await this.draining;
    }
  }

  /** Indexes nothing more (what is queued and not yet written is replayed at the next start); resolves once the batch in flight is written. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue = [];
    this.cancelCoalescing();
    await this.settled();
  }

  health(): ForensicsHealth {
    return { position: this.written, queued: this.queue.length, unreadablePayloads: this.unreadable, ...(this.failure ? { failure: this.failure } : {}) };
  }

  private startDrain(): void {
    this.cancelCoalescing();
    this.draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  private cancelCoalescing(): void {
    if (this.coalescing) clearTimeout(this.coalescing);
    this.coalescing = undefined;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.failure && !this.stopped) {
        const batch = this.queue.splice(0, BATCH);
        const texts = await Promise.all(batch.map(({ work }) => (work.payload ? this.textOf(work.payload) : undefined)));
        const writes: ForensicIndexWrite[] = [];
        batch.forEach(({ work }, i) => {
          writes.push(...work.writes);
          const text = texts[i];
          if (text) writes.push(text);
        });
        try {
          this.index.write(batch[batch.length - 1].position, writes);
          this.written = batch[batch.length - 1].position;
        } catch (error) {
          this.failure = `index write at position ${batch[0].position}: ${(error as Error).message}`;
          this.logger.error(`the forensic index stopped: ${this.failure}`);
          this.queue = [];
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async textOf(payload: PayloadToIndex): Promise<ForensicIndexWrite | undefined> {
    const lookup = await this.payloads.get(payload.org, payload.eventId).catch(() => undefined);
    if (!lookup) this.unreadable += 1;
    if (lookup?.status !== 'present') return undefined; // erased, missing or unreadable: no text
    const text = searchableText(lookup.content, payload.root, payload.findingPaths);
    return { kind: 'text', org: payload.org, callId: payload.callId, eventId: payload.eventId, text };
  }
}
