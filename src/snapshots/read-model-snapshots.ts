import { READ_MODEL_SNAPSHOT_VERSION, signEncodedSnapshot, type EventEnvelope, type ReadModelSnapshotBody, type Signer, type SnapshotCheckpointBinding, type SnapshotLogBinding } from '@warden/ledger';
import type { EventStore } from '@warden/event-store';
import type { AnchorCheckpoint, AnchorStore } from '@warden/anchor-store';
import type { SnapshotStore } from '@warden/snapshot-store';
import type { AnchorProjection } from '../anchor/anchor-projection';
import type { AnchorProofs } from '../anchor/anchor-proofs';
import type { LedgerIntegrity } from '../ledger/ledger-integrity';
import type { ReadModelCapture, ReadModelProjector } from '../ledger/read-model-projector';
import { SnapshotEncoder } from './snapshot-encoder';

export interface SnapshotOptions {
  everyEvents: number;
  everyMs: number;
  /** How long one snapshot waits for the anchor to cover its position with a signed checkpoint (default 10 s). */
  coverTimeoutMs?: number;
}

/**
 * ms: from capture to stored, waiting for the anchor included; blockingMs: the synchronous parts
 * on the event loop (capture, the states' JSON.stringify, the signature, the write; with the
 * encoding 'inline' also the canonical encoding and hashing); encodeMs: the encoding and hashing
 * (on the encoder's thread); offThread: whether that ran on a worker.
 */
export type SnapshotOutcome =
  | { taken: true; position: number; bytes: number; ms: number; blockingMs: number; encodeMs: number; offThread: boolean }
  | { taken: false; why: string; waiting?: true };

/** The timer's ordinary wait: the anchor has not yet signed a checkpoint covering the capture. */
class NotCoveredYet extends Error {}

const CHECK_EVERY_MS = 1_000;
const POLL_MS = 25;

/**
 * Takes read-model snapshots (libs/ledger read-model-snapshot.ts), off the hot path: a timer looks
 * once a second whether one is due (everyEvents applied since the last, or everyMs passed with
 * anything new). Taking one: the read models' state is captured between two events (one
 * synchronous step), then — without holding anything up — it needs a signed checkpoint of that
 * event's log covering it (see take()), adds the inclusion proof, has the body encoded and hashed
 * on a worker thread (snapshot-encoder.ts), signs the digest with the node key and writes it to
 * the snapshot store (its own SQLite file: not the ledger's group commit). One at a time; a failure is logged
 * and the next tick tries again.
 */
export class ReadModelSnapshots {
  private timer?: NodeJS.Timeout;
  private taking?: Promise<SnapshotOutcome>;
  private lastPosition = 0;
  private lastAtMs = Date.now();
  private lastOutcome?: SnapshotOutcome;
  private stopping = false;
  /** A capture waiting for a signed checkpoint that covers it (timer only). */
  private pending?: { capture: ReadModelCapture; projectionsJson: string };

  constructor(
    private readonly projector: ReadModelProjector,
    private readonly integrity: LedgerIntegrity,
    private readonly events: EventStore,
    private readonly snapshots: SnapshotStore,
    private readonly anchor: Pick<AnchorProjection, 'reached' | 'flush' | 'checkpointLog' | 'health'>,
    private readonly anchors: Pick<AnchorStore, 'leafOf' | 'checkpoint'>,
    private readonly proofs: Pick<AnchorProofs, 'inclusion'>,
    private readonly signer: Pick<Signer, 'kid' | 'sign'>,
    private readonly options: SnapshotOptions,
    private readonly log: (message: string) => void,
    private readonly encoder: SnapshotEncoder = new SnapshotEncoder(),
  ) {}

  /** Starts the timer (the projector need not have started yet). */
  start(): void {
    this.lastAtMs = Date.now();
    this.timer = setInterval(() => void this.takeIfDue(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.taking?.catch(() => undefined);
    await this.encoder.close();
  }

  health(): { lastPosition: number; last?: SnapshotOutcome } {
    return { lastPosition: this.lastPosition, last: this.lastOutcome };
  }

  /**
   * Takes one now (or joins the one under way). Asked for (tests, the bench, an operator), it asks
   * the anchor to sign a checkpoint covering the position if none does yet and waits for it; the
   * timer only uses the checkpoints the anchor signs on its own (every N events / T seconds), and
   * tries again at the next tick when none covers the position yet.
   */
  take(options: { signCheckpoint?: boolean } = { signCheckpoint: true }): Promise<SnapshotOutcome> {
    this.taking ??= this.takeOne(options.signCheckpoint ?? true)
      .catch((error): SnapshotOutcome => ({ taken: false, why: (error as Error).message }))
      .then((outcome) => {
        // Said once per reason (the timer retries every second), not at every tick.
        const said = this.lastOutcome && !this.lastOutcome.taken ? this.lastOutcome.why : undefined;
        if (!outcome.taken && !outcome.waiting && outcome.why !== said) this.log(`read-model snapshot not taken (retried): ${outcome.why}`);
        this.lastOutcome = outcome;
        return outcome;
      })
      .finally(() => (this.taking = undefined));
    return this.taking;
  }

  private takeIfDue(): Promise<SnapshotOutcome> | undefined {
    const { position, startedFrom } = this.projector.health();
    if (!startedFrom) return undefined; // still starting
    // A start from a snapshot has that snapshot already: count from its position.
    if (startedFrom.from === 'snapshot') this.lastPosition = Math.max(this.lastPosition, startedFrom.position);
    const grown = position - this.lastPosition;
    const due = grown >= this.options.everyEvents || (grown > 0 && this.options.everyMs > 0 && Date.now() - this.lastAtMs >= this.options.everyMs);
    return due && !this.taking ? this.take({ signCheckpoint: false }) : undefined;
  }

  private async takeOne(signCheckpoint: boolean): Promise<SnapshotOutcome> {
    const started = performance.now();
    // On the timer, a capture that no checkpoint covered yet is kept for the next tick (the anchor
    // signs one within its N events / T seconds): the state is captured once per snapshot.
    const captured = (signCheckpoint ? undefined : this.pending) ?? this.captured();
    this.pending = undefined;
    let blockingMs = performance.now() - started;
    if (!captured) return { taken: false, why: 'nothing to snapshot (no event applied yet, or the projector has stopped)' };
    const { capture, projectionsJson } = captured;
    if (capture.position <= this.lastPosition) return { taken: false, why: `nothing new since position ${this.lastPosition}` };
    let checkpoint: SnapshotCheckpointBinding;
    const logs: SnapshotLogBinding[] = [];
    try {
      checkpoint = await this.binding(capture.event.org, capture.event.id, capture.position, signCheckpoint);
      // Every other log the read models applied events of: its last one, under a signed tree head too.
      const others = capture.logs.filter((last) => last.org !== capture.event.org).sort((a, b) => (a.org < b.org ? -1 : a.org > b.org ? 1 : 0));
      for (const last of others) logs.push({ ...(await this.binding(last.org, last.id, capture.position, signCheckpoint)), event: { position: last.position, id: last.id, hash: last.hash } });
    } catch (error) {
      if (!(error instanceof NotCoveredYet) || signCheckpoint || this.stopping) throw error;
      this.pending = captured;
      return { taken: false, why: error.message, waiting: true };
    }
    const frame: Omit<ReadModelSnapshotBody, 'projections'> = {
      v: READ_MODEL_SNAPSHOT_VERSION,
      position: capture.position,
      event: capture.event,
      checkpoint,
      logs,
      heads: capture.heads,
      keys: this.integrity.keysAsOf(capture.position),
      takenAt: new Date().toISOString(),
      kid: this.signer.kid,
    };
    const encoding = performance.now();
    const encoded = await this.encoder.encode(frame, projectionsJson);
    const signing = performance.now();
    const encodeMs = signing - encoding;
    if (!this.encoder.offThread) blockingMs += encodeMs;
    const signed = signEncodedSnapshot(encoded, this.signer);
    // The SQLite store writes synchronously inside save(): timed before its promise is awaited.
    const saved = this.snapshots.save(capture.position, signed);
    blockingMs += performance.now() - signing;
    await saved;
    this.lastPosition = capture.position;
    this.lastAtMs = Date.now();
    const bytes = signed.body.length;
    return { taken: true, position: capture.position, bytes, ms: Math.round(performance.now() - started), blockingMs: Math.round(blockingMs), encodeMs: Math.round(encodeMs), offThread: this.encoder.offThread };
  }

  /**
   * The read models' states between two events, turned into JSON text in the same synchronous
   * step: what a snapshot() returns may share objects with the live read model (a review item is
   * updated in place), and events applied while the snapshot waits for its checkpoint must not
   * reach it. V8's JSON.stringify is the cheap part of the encoding; the rest runs off the loop.
   */
  private captured(): { capture: ReadModelCapture; projectionsJson: string } | undefined {
    const capture = this.projector.capture();
    return capture && { capture, projectionsJson: JSON.stringify(Object.fromEntries(capture.states)) };
  }

  /** The latest signed checkpoint of `log` whose tree includes the event, the inclusion proof, and the checkpoint event's hash. */
  private async binding(log: string, eventId: string, capturedAt: number, signCheckpoint: boolean): Promise<SnapshotCheckpointBinding> {
    const covering = await this.coveringCheckpoint(log, eventId, capturedAt, signCheckpoint);
    const inclusion = await this.proofs.inclusion(log, eventId, covering.size);
    const [checkpointEvent] = await this.events.readAll({ fromPosition: covering.position - 1, maxCount: 1 });
    if (checkpointEvent?.position !== covering.position) throw new Error(`the checkpoint event at position ${covering.position} is not in the log`);
    return {
      log: covering.log,
      origin: covering.note.slice(0, covering.note.indexOf('\n')),
      size: covering.size,
      rootHash: Buffer.from(covering.rootHash).toString('base64'),
      eventId: covering.eventId,
      eventPosition: covering.position,
      eventHash: (checkpointEvent.data as EventEnvelope).hash,
      leafIndex: inclusion.leafIndex,
      proof: inclusion.proof,
    };
  }

  /** The anchor's signed checkpoint of `log` whose tree includes the event (one is asked for if needed), once the anchor reached the capture. */
  private async coveringCheckpoint(log: string, eventId: string, capturedAt: number, signCheckpoint: boolean): Promise<AnchorCheckpoint> {
    const deadline = Date.now() + (signCheckpoint ? (this.options.coverTimeoutMs ?? 10_000) : 0);
    await within(this.anchor.reached(capturedAt), Math.min(deadline, Date.now() + 2_000), `the anchor did not reach position ${capturedAt}`);
    let asked = false;
    for (;;) {
      const failure = this.anchor.health().failure;
      if (failure) throw new Error(`the anchor has stopped: ${failure}`);
      if (this.stopping) throw new Error('the node is stopping');
      await this.anchor.flush();
      const leaf = await this.anchors.leafOf(eventId);
      const latest = await this.anchors.checkpoint(log);
      if (leaf && latest && latest.size > leaf.index) return latest;
      if (!asked && leaf && signCheckpoint) {
        await this.anchor.checkpointLog(log);
        asked = true;
      }
      if (Date.now() >= deadline) throw new NotCoveredYet(`no signed checkpoint of ${log} covers its event ${eventId} (snapshot at position ${capturedAt}) yet`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

async function within<T>(promise: Promise<T>, deadline: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
