import { MerkleFrontier, rangeNodes, rfc9162Hasher, treeHeadFromNodes, type EventEnvelope } from '@warden/ledger';
import type { EventStore, RecordedEvent, Subscription } from '@warden/event-store';
import { AnchorStoreConflictError, nodeKey, type AnchorBatch, type AnchorCheckpoint, type AnchorLeaf, type AnchorNode, type AnchorStore, type AnchorStreamHead } from '@warden/anchor-store';
import type { LedgerIntegrity } from '../ledger/ledger-integrity';
import { checkCheckpointEvent, isCheckpointEvent, leafDataOf, sameRoot } from './checkpoint-event';
import type { CheckpointRequest } from './checkpoint-signer';

export interface AnchorOptions {
  /** Sign a checkpoint once a log has grown by this many events (its own checkpoints not counted). */
  everyEvents: number;
  /** …or this long after it grew, whichever comes first (0: never by time). */
  everyMs: number;
  /** How long new leaves wait to be committed together; default 20 ms. */
  flushDelayMs?: number;
}

export interface AnchorHealth {
  /** Global position of the last event committed to the anchor store. */
  position: number;
  /** Events it verified since it started (it resumes after its stored position). */
  verifiedEvents: number;
  leaves: number;
  checkpointsSigned: number;
  /** Permanent: the anchor stopped (an event that does not verify, a checkpoint that disagrees, a refused batch). */
  failure?: string;
  /** Transient: a write that failed and is being retried. */
  lastError?: string;
}

const RETRY_MS = 250;

interface PendingLog {
  nodes: AnchorNode[];
  leaves: AnchorLeaf[];
}

/**
 * The anchor projection: one Merkle log per organisation (its events' hashes as leaves, in global
 * commit order; 'platform' for platform events), kept from the event store's global log. Every
 * event is verified first (hash, signature, chain, row): an unverified event never becomes a leaf,
 * and a bad one stops the anchor there (health says why). State is committed in batches with the
 * position reached; a restart resumes from that position with the chain heads it had verified.
 * A log that grew (by more than its own checkpoints) gets a signed checkpoint every `everyEvents`
 * events or `everyMs`; the leaves it covers are committed before it is signed. CheckpointSigned
 * events read back from the log are checked against the tree (root at their size) and stored.
 */
export class AnchorProjection {
  private readonly frontiers = new Map<string, MerkleFrontier>();
  private readonly persistedSizes = new Map<string, number>();
  private readonly grown = new Map<string, number>();
  /** Nodes not yet committed (pending or in flight), per log: checkpoints read back are checked against them. */
  private readonly unflushed = new Map<string, Map<string, Uint8Array>>();
  private pendingLogs = new Map<string, PendingLog>();
  private pendingHeads = new Map<string, AnchorStreamHead>();
  private pendingCheckpoints: AnchorCheckpoint[] = [];
  private pendingIds = new Set<string>();
  private inFlightIds = new Set<string>();
  private pendingPosition = 0;
  private committedPosition = 0;
  private flushing: Promise<void> = Promise.resolve();
  private flushTimer?: NodeJS.Timeout;
  private tick?: NodeJS.Timeout;
  private signing: Promise<void> = Promise.resolve();
  private subscription?: Subscription;
  private failure?: string;
  /** The last transient error (a write that failed and is retried); cleared by the next success. */
  private lastError?: string;
  private leafCount = 0;
  private verifiedCount = 0;
  private signedCount = 0;
  private stopped = false;
  private waiters: Array<{ position: number; resolve: () => void }> = [];
  private readonly storedListeners: Array<(checkpoint: AnchorCheckpoint) => void> = [];

  constructor(
    private readonly events: EventStore,
    private readonly anchors: AnchorStore,
    private readonly integrity: LedgerIntegrity,
    private readonly signCheckpoint: (request: CheckpointRequest) => Promise<void>,
    private readonly options: AnchorOptions,
  ) {}

  /** Loads the stored state and subscribes from its position; resolves once caught up with the log as it was. */
  async start(): Promise<void> {
    try {
      await this.startReading();
    } catch (error) {
      throw this.fail(`the anchor could not start: ${(error as Error).message}`);
    }
  }

  private async startReading(): Promise<void> {
    const state = await this.anchors.load();
    for (const [log, frontier] of state.logs) {
      this.frontiers.set(log, MerkleFrontier.fromState(frontier));
      this.persistedSizes.set(log, frontier.size);
    }
    this.committedPosition = this.pendingPosition = state.position;
    const verify = this.integrity.newFeed('anchor', { heads: state.heads, uncounted: true });
    const onError = (error: unknown) => this.fail(`the anchor's subscription stopped: ${String(error)}`);
    this.subscription = this.events.subscribeToAll({ fromPosition: state.position, onError }, (recorded) => this.apply(recorded, verify));
    if (this.options.everyMs > 0) {
      this.tick = setInterval(() => this.checkpointGrownLogs(), this.options.everyMs);
      this.tick.unref();
    }
    await this.subscription.caughtUp;
  }

  /** Stops reading, signs nothing more, commits what it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tick) clearInterval(this.tick);
    await this.subscription?.close();
    await this.signing;
    await this.flush().catch(() => undefined);
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }

  /** Told of every checkpoint once it is committed to the anchor store (its proofs can be served). */
  onCheckpointStored(listener: (checkpoint: AnchorCheckpoint) => void): void {
    this.storedListeners.push(listener);
  }

  /** Size of a log as committed (proofs are served up to it); 0 for an unknown log. */
  persistedSize(log: string): number {
    return this.persistedSizes.get(log) ?? 0;
  }

  health(): AnchorHealth {
    return { position: this.committedPosition, verifiedEvents: this.verifiedCount, leaves: this.leafCount, checkpointsSigned: this.signedCount, failure: this.failure, lastError: this.lastError };
  }

  /** Commits everything applied so far (and whatever was pending before). */
  flush(): Promise<void> {
    this.flushing = this.flushing.catch(() => undefined).then(() => this.commitPending());
    return this.flushing;
  }

  /** Signs checkpoints of every log that grew, now (tests, shutdown of a quiet node). */
  checkpointGrownLogs(): Promise<void> {
    for (const [log, count] of this.grown) if (count > 0) this.requestCheckpoint(log);
    return this.signing;
  }

  private async apply(recorded: RecordedEvent, verify: (recorded: RecordedEvent) => void): Promise<void> {
    if (this.failure) throw new Error(this.failure);
    try {
      verify(recorded);
      this.verifiedCount++;
    } catch (error) {
      this.fail(`the anchor stopped before an event that does not verify: ${(error as Error).message}`);
      throw error;
    }
    const env = recorded.data as EventEnvelope;
    // Everything that waits comes first; the state then changes in one synchronous step, so a
    // batch committed meanwhile never holds half of this event.
    // The store holds leaves up to the position it committed: a later event can only be pending or
    // in flight, so the store is asked only about an event at or before that position.
    const stored = recorded.position <= this.committedPosition && (await this.anchors.leafOf(env.id)) !== undefined;
    const isNew = !this.pendingIds.has(env.id) && !this.inFlightIds.has(env.id) && !stored;
    const checkpoint = isNew && isCheckpointEvent(env) ? await this.checkedCheckpoint(env, recorded.position) : undefined;
    if (isNew) {
      this.appendLeaf(env, recorded.position);
      if (checkpoint) this.pendingCheckpoints.push(checkpoint);
      else this.countGrowth(env.org);
    }
    this.pendingHeads.set(env.stream, { seq: env.seq, hash: env.hash });
    this.pendingPosition = recorded.position;
    this.scheduleFlush();
    this.releaseWaiters();
  }

  /** Resolves once the anchor has applied the event at `position` (not necessarily committed it: see flush). */
  reached(position: number): Promise<void> {
    if (this.pendingPosition >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.position <= this.pendingPosition);
    this.waiters = this.waiters.filter((w) => w.position > this.pendingPosition);
    for (const waiter of ready) waiter.resolve();
  }

  private appendLeaf(env: EventEnvelope, position: number): void {
    const log = env.org;
    const frontier = this.frontiers.get(log) ?? MerkleFrontier.empty();
    this.frontiers.set(log, frontier);
    const pending = this.pendingLogs.get(log) ?? { nodes: [], leaves: [] };
    this.pendingLogs.set(log, pending);
    const unflushed = this.unflushed.get(log) ?? new Map<string, Uint8Array>();
    this.unflushed.set(log, unflushed);
    const index = frontier.size;
    frontier.append(rfc9162Hasher.hashLeaf(leafDataOf(env)), (level, at, hash) => {
      pending.nodes.push({ level, index: at, hash });
      unflushed.set(nodeKey(level, at), hash);
    });
    pending.leaves.push({ log, index, eventId: env.id, position });
    this.pendingIds.add(env.id);
    this.leafCount++;
  }

  /** A CheckpointSigned read back: it must be a valid note by a registered key, with the root our tree has at its size. */
  private async checkedCheckpoint(env: EventEnvelope, position: number): Promise<AnchorCheckpoint> {
    const check = checkCheckpointEvent(env, this.integrity.publicKeyOf(env.kid));
    const where = `the checkpoint event ${env.id} at position ${position}`;
    if (!check.ok) throw this.fail(`${where} is not a valid checkpoint: ${check.detail}`);
    const size = this.frontiers.get(check.org)?.size ?? 0;
    if (check.size > size) throw this.fail(`${where} is for size ${check.size}, beyond the log of ${check.org} (${size}) when it was recorded (CHECKPOINT_MISMATCH)`);
    const root = await this.rootAt(check.org, check.size);
    if (!sameRoot(root, check.rootHash)) throw this.fail(`${where} does not match the tree of ${check.org} at size ${check.size} (CHECKPOINT_MISMATCH)`);
    return { log: check.org, size: check.size, rootHash: check.rootHash, note: check.note, eventId: env.id, position };
  }

  /**
   * Root of the first `size` leaves: from the nodes not yet committed, the rest from the store.
   * A node leaves `unflushed` only once its batch has committed, so one pass finds each.
   */
  private async rootAt(log: string, size: number): Promise<Uint8Array> {
    const unflushed = this.unflushed.get(log);
    const found = new Map<string, Uint8Array>();
    const missing = [];
    for (const id of rangeNodes(0, size)) {
      const hash = unflushed?.get(nodeKey(id.level, id.index));
      if (hash) found.set(nodeKey(id.level, id.index), hash);
      else missing.push(id);
    }
    if (missing.length > 0) for (const [key, hash] of await this.anchors.nodes(log, missing)) found.set(key, hash);
    return treeHeadFromNodes(size, (level, index) => found.get(nodeKey(level, index)));
  }

  private countGrowth(log: string): void {
    const count = (this.grown.get(log) ?? 0) + 1;
    this.grown.set(log, count);
    if (count >= this.options.everyEvents) this.requestCheckpoint(log);
  }

  /** Signs a checkpoint of one log at its current size, grown or not (a read-model snapshot needs its event covered). */
  checkpointLog(log: string): Promise<void> {
    this.requestCheckpoint(log);
    return this.signing;
  }

  /** Snapshots the log's head now; commits the leaves it covers, then signs it (in order, one at a time). */
  private requestCheckpoint(log: string): void {
    const frontier = this.frontiers.get(log);
    if (!frontier || this.stopped || this.failure) return;
    const request: CheckpointRequest = { log, size: frontier.size, rootHash: frontier.root() };
    this.grown.set(log, 0);
    this.signing = this.signing
      .then(async () => {
        if (this.failure) return;
        await this.flush();
        await this.signCheckpoint(request);
        this.signedCount++;
        this.lastError = undefined;
      })
      .catch((error) => {
        // Not signed (the ledger could not write): the log counts as grown, so the next event or tick tries again.
        this.grown.set(log, Math.max(this.grown.get(log) ?? 0, this.options.everyEvents - 1, 1));
        this.lastError = `could not sign the checkpoint of ${log} at size ${request.size} (retried): ${(error as Error).message}`;
      });
  }

  private scheduleFlush(delayMs = this.options.flushDelayMs ?? 20): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch(() => undefined);
    }, delayMs);
    this.flushTimer.unref();
  }

  private async commitPending(): Promise<void> {
    if (this.pendingPosition <= this.committedPosition) return;
    const batch: AnchorBatch = {
      position: this.pendingPosition,
      logs: [...this.pendingLogs].map(([log, p]) => ({ log, frontier: this.frontiers.get(log)!.state(), nodes: p.nodes, leaves: p.leaves })),
      heads: [...this.pendingHeads],
      checkpoints: this.pendingCheckpoints,
    };
    this.pendingLogs = new Map();
    this.pendingHeads = new Map();
    this.pendingCheckpoints = [];
    this.inFlightIds = this.pendingIds;
    this.pendingIds = new Set();
    try {
      await this.anchors.commit(batch);
    } catch (error) {
      // A batch the store refuses (not append-only) is a bug or tampering: stop. A write that
      // failed (the file locked, I/O) is retried: the batch goes back in front of what came since.
      if (error instanceof AnchorStoreConflictError) throw this.fail(`the anchor store refused a batch: ${error.message}`);
      this.requeue(batch);
      this.lastError = `committing the anchor's state failed (retried): ${(error as Error).message}`;
      this.scheduleFlush(RETRY_MS);
      throw error;
    } finally {
      this.inFlightIds = new Set();
    }
    this.lastError = undefined;
    this.committedPosition = batch.position;
    for (const entry of batch.logs) {
      this.persistedSizes.set(entry.log, entry.frontier.size);
      const unflushed = this.unflushed.get(entry.log);
      for (const n of entry.nodes) unflushed?.delete(nodeKey(n.level, n.index));
    }
    for (const checkpoint of batch.checkpoints) {
      for (const listener of this.storedListeners) {
        try {
          listener(checkpoint);
        } catch {
          // a listener's failure is its own (the witness push logs its own)
        }
      }
    }
  }

  private requeue(batch: AnchorBatch): void {
    for (const entry of batch.logs) {
      const later = this.pendingLogs.get(entry.log);
      this.pendingLogs.set(entry.log, { nodes: [...entry.nodes, ...(later?.nodes ?? [])], leaves: [...entry.leaves, ...(later?.leaves ?? [])] });
    }
    this.pendingHeads = new Map([...batch.heads, ...this.pendingHeads]);
    this.pendingCheckpoints = [...batch.checkpoints, ...this.pendingCheckpoints];
    for (const id of this.inFlightIds) this.pendingIds.add(id);
  }

  private fail(message: string): Error {
    this.failure ??= message;
    void this.subscription?.close();
    return new Error(message);
  }
}
