import {
  buildKeyDirectory,
  checkStoredEvent,
  fromBase64Url,
  KEY_REGISTERED_TYPE,
  KEY_REVOKED_TYPE,
  KEY_STREAM,
  keyIdOf,
  LedgerAuditor,
  resolverOf,
  type AuditProblem,
  type EventCheck,
  type EventEnvelope,
  type KeyDirectory,
  type KeyResolver,
} from '@warden/ledger';
import type { RecordedEvent } from '@warden/event-store';
import { eventCheckerFor, type EventChecker } from './event-checkers';

/** Own signatures remembered for read-back (a few seconds of calls at full load). */
const OWN_SIGNATURES_KEPT = 50_000;

/**
 * Verifies the events of one reader of the log in commit order, throwing LedgerIntegrityError at
 * the first bad one. `precomputed`: the event's own check made elsewhere (an EventChecker's).
 */
export type LedgerFeed = (recorded: RecordedEvent, precomputed?: EventCheck) => void;

/** An event the node must not act on: it names the event and why. */
export class LedgerIntegrityError extends Error {
  constructor(readonly problem: AuditProblem, readonly where: string) {
    super(
      `${where}: the ledger event at position ${problem.position}` +
        `${problem.eventId ? ` (id ${problem.eventId}${problem.stream ? `, ${problem.stream}@${problem.seq ?? '?'}` : ''})` : ''}` +
        ` does not verify: ${problem.reason} — ${problem.detail}`,
    );
    this.name = 'LedgerIntegrityError';
  }
}

/**
 * What the running node trusts of its own ledger (Ledger trust issue, item 1): every event a read
 * model applies, and every stream head the writer chains onto, is checked first: hash, signature
 * by a key the root registered before it signed, chain link, envelope equal to the row.
 * The key directory starts from the root public key and the key stream; key events that arrive
 * later are added once they have been verified like any other.
 */
export class LedgerIntegrity {
  private readonly directory: KeyDirectory;
  private readonly resolve: KeyResolver;
  private failure?: Error;
  /** hash → sig of events this process signed (bounded, oldest out first: see ownOrder). */
  private readonly ownSignatures = new Map<string, string>();
  /**
   * The hashes of ownSignatures in the order they came, as a ring: the oldest is dropped by its
   * slot. (Dropping the first key of the Map through a fresh iterator each time walked over every
   * slot deleted before it: ~17 µs a call once the Map was full.)
   */
  private readonly ownOrder: string[] = [];
  private ownNext = 0;
  private readonly vouch = (hash: string, sig: string) => this.ownSignatures.get(hash) === sig;
  /** The envelope objects this process sealed and signed: read back from memory, they are not re-hashed (see checkOf). */
  private readonly ownEnvelopes = new WeakSet<object>();
  private verified = 0;
  private verifyMs = 0;
  /**
   * Checks that passed, by the very object read (the log hands its readers one decoded object per
   * row): the projector and the anchor read each event, and the second one reuses the first one's
   * hash, signature and row checks instead of recomputing them. Dropped with the object; void once
   * the key directory changes (`keysLearnt`). Each reader's own chain check still runs.
   */
  private readonly passed = new WeakMap<object, { keysLearnt: number; check: EventCheck }>();
  private keysLearnt = 0;

  constructor(rootPublicKey: Uint8Array, keyEvents: RecordedEvent[]) {
    this.directory = buildKeyDirectory(rootPublicKey, keyEvents.map((e) => ({ position: e.position, envelope: e.data })));
    this.resolve = resolverOf(this.directory);
  }

  get rootKid(): string {
    return this.directory.rootKid;
  }

  /**
   * A checker for one reader of the log in commit order (chains are checked from each stream's
   * first event, so the reader must start at position 0 for the streams it reads, or pass the
   * heads of the streams as it verified them up to where it resumes).
   */
  newFeed(
    where: string,
    options: {
      heads?: Iterable<readonly [string, { seq: number; hash: string }]>;
      /** Not counted in health()'s figures (which describe the read models' verification). */
      uncounted?: boolean;
    } = {},
  ): LedgerFeed {
    const auditor = new LedgerAuditor(this.directory, { densePositions: false, maxProblems: 1, initialHeads: options.heads });
    return (recorded, precomputed) => {
      const started = performance.now();
      // A worker's check is taken only when it passed: anything else is checked again here, with
      // the directory as of now (keys learnt since the workers started included), and that answer stands.
      const check = precomputed?.result.ok && !precomputed.mismatch && precomputed.position === recorded.position ? precomputed : this.checkOf(recorded);
      const problem = auditor.feed(check);
      if (!options.uncounted) {
        this.verified++;
        this.verifyMs += performance.now() - started;
      }
      if (problem) throw this.fail(new LedgerIntegrityError(problem, where));
      if (recorded.stream === KEY_STREAM) this.learnKey(recorded);
    };
  }

  /** checkStoredEvent, or the check this very object already passed (see `passed`). */
  private checkOf(recorded: RecordedEvent): EventCheck {
    const earlier = this.passed.get(recorded);
    if (earlier && earlier.keysLearnt === this.keysLearnt) return earlier.check;
    // The very envelope object the writer sealed (a live read of this process's own commit, served
    // from memory by the embedded store): nothing of it went through the file, so its hash and
    // signature are ours as computed. Any event read from the file is checked in full.
    const sealedHere = typeof recorded.data === 'object' && recorded.data !== null && this.ownEnvelopes.has(recorded.data);
    const check = checkStoredEvent(recorded, this.resolve, this.vouch, sealedHere);
    if (check.result.ok && !check.mismatch) this.passed.set(recorded, { keysLearnt: this.keysLearnt, check });
    return check;
  }

  /**
   * Checks of events on their own (hash, signature, row) on `workers` threads (0: this one), for
   * a feed's `precomputed` argument; the workers know the keys registered as of now.
   */
  eventChecker(workers: number): EventChecker {
    return eventCheckerFor(this.directory, workers);
  }

  /** Checks one event on its own (no chain context): the head a writer is about to chain onto. */
  checkHead(recorded: RecordedEvent): void {
    const problem = this.problemOf(recorded);
    if (problem) throw this.fail(new LedgerIntegrityError(problem, `refusing to chain onto ${recorded.stream}`));
  }

  /**
   * What is wrong with one event on its own (hash, signature by a key registered before it and
   * not revoked, row), or undefined; recorded nowhere (the caller decides what it means).
   */
  problemOf(recorded: RecordedEvent): AuditProblem | undefined {
    const check = checkStoredEvent(recorded, this.resolve, this.vouch);
    const at = { position: recorded.position, eventId: check.id, stream: recorded.stream, seq: check.seq };
    if (!check.result.ok) return { ...at, reason: check.result.reason, detail: check.result.detail };
    if (check.mismatch) return { ...at, reason: check.mismatch.reason, detail: check.mismatch.detail };
    if (check.stream !== recorded.stream || check.seq !== recorded.revision) {
      return { ...at, reason: 'STREAM_MISMATCH', detail: `${check.stream}@${check.seq} is stored as ${recorded.stream}@${recorded.revision}` };
    }
    const key = this.directory.keys.get(check.kid!);
    if (key && key.position >= recorded.position) return { ...at, reason: 'KEY_NOT_YET_REGISTERED', detail: `signed by ${check.kid}, registered only at position ${key.position}` };
    if (key?.revokedAt !== undefined && recorded.position > key.revokedAt) return { ...at, reason: 'KEY_REVOKED', detail: `signed by ${check.kid}, revoked by the root at position ${key.revokedAt}` };
    return undefined;
  }

  /** The node keys the root had registered by `position`, with their revocations up to it (root excluded). */
  keysAsOf(position: number): Array<{ kid: string; position: number; revokedAt?: number }> {
    const keys = [];
    for (const [kid, key] of this.directory.keys) {
      if (kid === this.directory.rootKid || key.position > position) continue;
      keys.push({ kid, position: key.position, ...(key.revokedAt !== undefined && key.revokedAt <= position ? { revokedAt: key.revokedAt } : {}) });
    }
    return keys.sort((a, b) => a.position - b.position || a.kid.localeCompare(b.kid));
  }

  /**
   * The writer tells what it just signed. Reading those rows back from the file, the hash is
   * recomputed and every other check made, but the Ed25519 verification of a (hash, sig) pair
   * this process produced itself is skipped (it would succeed). A row altered in between no
   * longer matches and is verified in full. Bounded: the oldest entries go first. Handed back the
   * envelope object itself (from memory), not even the hash is recomputed.
   */
  signedHere(envelopes: ReadonlyArray<{ hash: string; sig: string }>): void {
    for (const envelope of envelopes) {
      const evicted = this.ownOrder[this.ownNext];
      if (evicted !== undefined) this.ownSignatures.delete(evicted);
      this.ownOrder[this.ownNext] = envelope.hash;
      this.ownNext = (this.ownNext + 1) % OWN_SIGNATURES_KEPT;
      this.ownSignatures.set(envelope.hash, envelope.sig);
      this.ownEnvelopes.add(envelope);
    }
  }

  /** The first integrity failure this node met, if any (health reports it). */
  health(): { verifiedEvents: number; verifyMs: number; failure?: string } {
    return { verifiedEvents: this.verified, verifyMs: Math.round(this.verifyMs), failure: this.failure?.message };
  }

  /** Throws once the root has revoked the key this node signs with: it signs nothing more. */
  assertSigningKeyActive(kid: string): void {
    if (this.isRevoked(kid)) throw this.fail(new Error(`this node's key ${kid} was revoked by the root: it signs nothing more (rotate it and restart)`));
  }

  private fail<E extends Error>(error: E): E {
    this.failure ??= error;
    return error;
  }

  /**
   * The raw Ed25519 public key of a key the root registered and has not revoked (as far as this
   * node has read the key stream); undefined otherwise, and always for the root itself (the
   * offline root signs key events only). Capability tokens are verified against it.
   */
  publicKeyOf(kid: string): Uint8Array | undefined {
    if (kid === this.directory.rootKid) return undefined;
    const key = this.directory.keys.get(kid);
    return key && key.revokedAt === undefined ? key.publicKey : undefined;
  }

  /** Whether the root has revoked this key (as far as this node has read the key stream). */
  isRevoked(kid: string): boolean {
    return this.directory.keys.get(kid)?.revokedAt !== undefined;
  }

  /** A key event that passed the feed's checks (so signed by the root) enters the directory. */
  private learnKey(recorded: RecordedEvent): void {
    const env = recorded.data as EventEnvelope<{ kid?: unknown; publicKey?: unknown }>;
    if (env.kid !== this.directory.rootKid || typeof env.data.kid !== 'string') return;
    if (env.type === KEY_REVOKED_TYPE) {
      const key = this.directory.keys.get(env.data.kid);
      if (key && key.revokedAt === undefined) {
        key.revokedAt = recorded.position;
        this.keysLearnt += 1; // checks passed before may not hold under the new directory
      }
      return;
    }
    if (env.type !== KEY_REGISTERED_TYPE) return;
    if (typeof env.data.publicKey !== 'string' || this.directory.keys.has(env.data.kid)) return;
    const publicKey = fromBase64Url(env.data.publicKey);
    if (keyIdOf(publicKey) !== env.data.kid) return;
    this.directory.keys.set(env.data.kid, { publicKey, position: recorded.position });
    this.keysLearnt += 1;
  }
}
