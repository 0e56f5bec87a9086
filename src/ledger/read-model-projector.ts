import { KEY_STREAM, type EventCheck, type EventEnvelope } from '@warden/ledger';
import type { EventStore, RecordedEvent, Subscription } from '@warden/event-store';
import { CatchUpPipeline } from './catch-up-pipeline';
import type { LedgerFeed, LedgerIntegrity } from './ledger-integrity';
import { isSnapshotCapable, type Projection, type SnapshotCapable } from './projection';

type StreamHead = { seq: number; hash: string };

/** A verified read-model snapshot to resume from (src/snapshots checks it against the ledger first). */
export interface ResumePoint {
  /** Global position of the last event the states account for. */
  position: number;
  /** The event at `position` (checked against the ledger). */
  event: { id: string; hash: string; org: string };
  /** The state of each snapshot-capable read model, by name: exactly the names it was asked for. */
  states: ReadonlyMap<string, unknown>;
  /** Verified chain heads as of `position` of the streams the read models read. */
  heads: ReadonlyArray<readonly [string, StreamHead]>;
  /** The last event applied of each organisation log as of `position` (checked against the ledger). */
  logs: ReadonlyArray<LastOfLog>;
}

/** The last event the read models applied of one organisation log ('platform' included). */
export interface LastOfLog {
  org: string;
  position: number;
  id: string;
  hash: string;
}

/** Where start() may resume from: a checked snapshot, a refusal (why), or none stored. */
export type ResumeSource = (projections: readonly string[]) => Promise<ResumePoint | { refused: string } | undefined>;

/** How the last start() began: from a snapshot, or a full replay (and why, when a snapshot was refused). */
export type StartedFrom = { from: 'snapshot'; position: number } | { from: 'replay'; refused?: string };

/** What a snapshot of the read models holds, taken between two events (synchronously). */
export interface ReadModelCapture {
  position: number;
  event: { id: string; hash: string; org: string };
  states: Map<string, unknown>;
  heads: Array<[string, StreamHead]>;
  /** Every organisation log's last applied event, the one at `position` included. */
  logs: LastOfLog[];
}

class ReachedResumePoint extends Error {}



/**
 * Rebuilds the in-memory read models from the log on start (catch-up from position 0) and keeps
 * them current from live commits. It subscribes to the streams the read models read only (not
 * the tool-call streams: the gateway's hot path costs the projector nothing). Commands wait for
 * their own position (read-your-writes).
 * A failing projection is visible: `health()` reports it, and the failure is not swallowed.
 * Nothing is applied unverified: every event passes the ledger's integrity check first (hash,
 * signature by a registered key, chain link, envelope = row). A bad event during the replay at
 * start rejects start() (the node does not start); a bad live event stops the projector there
 * (nothing after it is applied, health says why).
 * With a resume source (read-model snapshots), the read models that can be snapshotted are
 * restored from a verified snapshot at position P; the others replay their streams from 0 up to
 * P, and then every read model is given, verified, only the events after P. A refused snapshot
 * (or a state that does not restore) means the full replay, never a partial trust.
 */
export class ReadModelProjector {
  private position = 0;
  private lastEvent?: { id: string; hash: string; org: string };
  /** Chain heads of the streams verified so far (a snapshot carries them). */
  private heads = new Map<string, StreamHead>();
  /** Per organisation log, the last event applied (a snapshot binds each to a signed checkpoint). */
  private readonly lastOfLogs = new Map<string, LastOfLog>();
  private subscription?: Subscription;
  private started = false;
  private streamPrefixes: string[] = [];
  private failure?: { projection: string; position: number; message: string };
  private waiters: Array<{ position: number; resolve: () => void }> = [];
  private resumeSource?: ResumeSource;
  private startedFrom?: StartedFrom;

  private readonly projections: Projection[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly integrity: LedgerIntegrity,
    private readonly options: {
      /**
       * Threads checking hashes and signatures of the catch-up at start (0: the event loop, in
       * the subscription). Default 0 here; the node passes WARDEN_REPLAY_WORKERS.
       */
      verifyWorkers?: number;
    } = {},
  ) {}

  /** Called by each read model when it is constructed, before start(). */
  register(projection: Projection): void {
    if (this.started) throw new Error(`projection ${projection.name} registered after start`);
    this.projections.push(projection);
    this.streamPrefixes = [...new Set([...this.streamPrefixes, ...projection.streamPrefixes])];
  }

  /** Before start(): where a snapshot to resume from is found and checked. */
  resumeFrom(source: ResumeSource): void {
    if (this.started) throw new Error('a resume source set after start');
    this.resumeSource = source;
  }

  /** Names of the read models a snapshot holds. */
  snapshotNames(): string[] {
    return this.projections.filter(isSnapshotCapable).map((p) => p.name);
  }

  async start(): Promise<void> {
    this.started = true;
    const resume = await this.resumeSource?.(this.snapshotNames());
    let restored: SnapshotCapable[] = [];
    let refused: string | undefined;
    if (resume && 'refused' in resume) refused = resume.refused;
    else if (resume) ({ restored, refused } = this.restore(resume));
    if (resume && !('refused' in resume) && restored.length > 0) {
      // Read models with a store of their own that already hold the snapshot's position need nothing before it either.
      const current = this.projections.filter((p) => p.heldUpTo !== undefined && p.heldUpTo() >= resume.position);
      const skipped = new Set<Projection>([...restored, ...current]);
      await this.replayOthersUntil(resume.position, skipped);
      const replayed = [KEY_STREAM, ...this.prefixesOf(this.projections.filter((p) => !skipped.has(p)))];
      // Streams the replay above verified keep its heads; the others continue from the snapshot's.
      for (const [stream, head] of resume.heads) if (!matches(replayed, stream)) this.heads.set(stream, { ...head });
      for (const last of resume.logs) this.noteLast({ ...last });
      this.position = resume.position;
      this.lastEvent = { ...resume.event };
      this.startedFrom = { from: 'snapshot', position: resume.position };
      await this.follow(resume.position);
      return;
    }
    this.startedFrom = { from: 'replay', ...(refused ? { refused } : {}) };
    await this.follow(0);
  }

  /**
   * The read models' state between two events, for a snapshot; undefined before the first
   * event, after a failure, or when no read model can be snapshotted.
   */
  capture(): ReadModelCapture | undefined {
    const capable = this.projections.filter(isSnapshotCapable);
    if (this.failure || !this.lastEvent || capable.length === 0) return undefined;
    return {
      position: this.position,
      event: { ...this.lastEvent },
      states: new Map(capable.map((p) => [p.name, p.snapshot()])),
      heads: [...this.heads].map(([s, h]) => [s, { ...h }]),
      logs: [...this.lastOfLogs.values()].map((last) => ({ ...last })),
    };
  }

  /** Resolves once every projection has seen the event at `position` of `stream`; at once if none reads that stream. */
  waitFor(position: number, stream: string): Promise<void> {
    if (this.position >= position || !this.streamPrefixes.some((prefix) => stream.startsWith(prefix))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /** position: of the last event the read models applied (events of streams they do not read are not counted). */
  health(): { position: number; startedFrom?: StartedFrom; failure?: { projection: string; position: number; message: string } } {
    return { position: this.position, startedFrom: this.startedFrom, failure: this.failure };
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }

  /** Restores every snapshot-capable read model, or none (a state that does not restore undoes the others). */
  private restore(resume: ResumePoint): { restored: SnapshotCapable[]; refused?: string } {
    const capable = this.projections.filter(isSnapshotCapable);
    const empties = capable.map((p) => p.snapshot());
    const done: SnapshotCapable[] = [];
    try {
      for (const projection of capable) {
        if (!resume.states.has(projection.name)) throw new Error(`the snapshot has no state for ${projection.name}`);
        projection.restore(resume.states.get(projection.name));
        done.push(projection);
      }
      return { restored: done };
    } catch (error) {
      done.forEach((projection, i) => projection.restore(empties[i]));
      return { restored: [], refused: `a read-model state does not restore: ${(error as Error).message}` };
    }
  }

  /** The read models not skipped (restored, or current) replay their own streams (and the key stream) from 0 up to `position`, verified. */
  private async replayOthersUntil(position: number, skipped: ReadonlySet<Projection>): Promise<void> {
    const others = this.projections.filter((p) => !skipped.has(p));
    const filter = { streamPrefixes: [...new Set([KEY_STREAM, ...this.prefixesOf(others)])] };
    const verify: LedgerFeed = this.integrity.newFeed('read-model replay');
    const reached = new ReachedResumePoint('reached the snapshot');
    let failed: unknown;
    const onError = (error: unknown) => {
      if (error !== reached) failed ??= error;
    };
    const subscription = this.store.subscribeToAll({ fromPosition: 0, filter, onError }, (recorded) => {
      if (recorded.position > position) throw reached; // stops here: the full subscription goes on from the snapshot
      this.handle(recorded, verify, others);
    });
    await subscription.caughtUp.catch((error) => {
      if (error !== reached) throw error;
    });
    await subscription.close();
    if (failed) {
      this.failure ??= { projection: 'subscription', position: this.position, message: String(failed) };
      throw failed;
    }
  }

  private async follow(fromPosition: number): Promise<void> {
    // The key stream is always read: keys registered after start are learnt from it, verified.
    const filter = { streamPrefixes: [...new Set([KEY_STREAM, ...this.streamPrefixes])] };
    const verify = this.integrity.newFeed('read-model replay', { heads: this.heads });
    // A stopped subscription is reported by health() (and start() rejecting), not by the adapter's log.
    const onError = (error: unknown) => {
      this.failure ??= { projection: 'subscription', position: this.position, message: String(error) };
    };
    const apply = (recorded: RecordedEvent, check?: EventCheck) => this.handle(recorded, (r) => verify(r, check), this.projections);
    const workers = this.options.verifyWorkers ?? 0;
    // With workers, the catch-up's hashes and signatures are checked on them, a page at a time
    // (catch-up-pipeline.ts, the checker `warden verify` uses); the ordered checks and every apply stay here.
    const pipeline = workers > 0 ? new CatchUpPipeline(this.integrity.eventChecker(workers), apply) : undefined;
    this.subscription = this.store.subscribeToAll({ fromPosition, filter, onError }, pipeline ? pipeline.push : apply);
    try {
      await this.subscription.caughtUp;
      await pipeline?.finish();
    } catch (error) {
      await pipeline?.close();
      await this.subscription.close();
      throw error;
    }
  }

  private handle(recorded: RecordedEvent, verify: LedgerFeed, projections: readonly Projection[]): void {
    try {
      verify(recorded);
    } catch (error) {
      this.failure ??= { projection: 'ledger-integrity', position: recorded.position, message: (error as Error).message };
      throw error; // stops the subscription before this event: nothing after it is applied
    }
    const envelope = recorded.data as EventEnvelope;
    this.heads.set(recorded.stream, { seq: envelope.seq, hash: envelope.hash });
    for (const projection of projections) {
      // Each read model is given only the streams it asked for (a calls event never reaches the agents read model).
      if (!projection.observesAll && !matches(projection.streamPrefixes, recorded.stream)) continue;
      try {
        projection.apply(envelope, recorded.position);
      } catch (error) {
        this.failure ??= { projection: projection.name, position: recorded.position, message: String(error) };
      }
    }
    this.position = recorded.position;
    this.lastEvent = { id: envelope.id, hash: envelope.hash, org: envelope.org };
    this.noteLast({ org: envelope.org, position: recorded.position, id: envelope.id, hash: envelope.hash });
    this.releaseWaiters();
  }

  /** Keeps the latest: the replay of the small streams up to a snapshot's position comes after the snapshot's own entries. */
  private noteLast(last: LastOfLog): void {
    const known = this.lastOfLogs.get(last.org);
    if (!known || known.position < last.position) this.lastOfLogs.set(last.org, last);
  }

  private prefixesOf(projections: readonly Projection[]): string[] {
    return [...new Set(projections.flatMap((p) => p.streamPrefixes))];
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.position <= this.position);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > this.position);
    for (const waiter of ready) waiter.resolve();
  }
}

function matches(prefixes: readonly string[], stream: string): boolean {
  return prefixes.some((prefix) => stream.startsWith(prefix));
}
