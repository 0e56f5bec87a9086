export { KEY_REGISTERED_TYPE, KEY_REVOKED_TYPE, KEY_STREAM } from './key-events';
import { ChainVerifier, type ChainProblemReason, type StreamHead } from './chain-verifier';
import type { EventEnvelope } from './envelope';
import { fromBase64Url } from './hashing';
import { keyIdOf } from './keys';
import { KEY_REGISTERED_TYPE, KEY_REVOKED_TYPE, KEY_STREAM } from './key-events';
import { verifyEnvelope, type KeyResolver, type SignatureVouch, type VerificationResult } from './verify';

/** The only event types the root key may sign. */
const ROOT_EVENT_TYPES: ReadonlySet<string> = new Set([KEY_REGISTERED_TYPE, KEY_REVOKED_TYPE]);

export type AuditProblemReason =
  | Exclude<VerificationResult, { ok: true }>['reason']
  | ChainProblemReason
  | 'POSITION_GAP'
  | 'POSITION_ORDER'
  | 'KEY_NOT_YET_REGISTERED'
  | 'KEY_REGISTRATION_NOT_BY_ROOT'
  | 'KEY_REVOKED'
  | 'KEY_REVOCATION_INVALID'
  | 'ROOT_SIGNED_EVENT'
  | 'ROW_MISMATCH'
  | 'STREAM_HEAD_MISMATCH'
  /** A signed checkpoint that the log, recomputed in commit order, does not reproduce (or a rollback). */
  | 'CHECKPOINT_MISMATCH';

export interface AuditProblem {
  position: number;
  eventId?: string;
  stream?: string;
  seq?: number;
  reason: AuditProblemReason;
  detail: string;
}

/** The outcome of checking one stored event on its own (hash + signature): parallelisable. */
export interface EventCheck {
  position: number;
  stream: string;
  revision: number;
  id?: string;
  type?: string;
  seq?: number;
  prev?: string;
  hash?: string;
  kid?: string;
  result: VerificationResult;
  /** The envelope disagrees with the row's own columns (stream, revision, id, type). */
  mismatch?: { reason: 'STREAM_MISMATCH' | 'ROW_MISMATCH'; detail: string };
}

export interface DirectoryKey {
  publicKey: Uint8Array;
  /** Global position of its registration (root: -1). */
  position: number;
  /** Global position of its root-signed revocation: it signs nothing after it. */
  revokedAt?: number;
}

export interface KeyDirectory {
  rootKid: string;
  keys: Map<string, DirectoryKey>;
  /** Root-signed KeyRevoked events that revoke nothing (unknown kid, the root, bad data): position → why. */
  invalidRevocations: Map<number, string>;
}

/**
 * Builds the key directory from the root public key and the events of the key stream, in order.
 * Only KeyRegistered and KeyRevoked events whose signature verifies against the root key count;
 * a revocation applies from its own position on.
 */
export function buildKeyDirectory(rootPublicKey: Uint8Array, registrations: Array<{ position: number; envelope: unknown }>): KeyDirectory {
  const rootKid = keyIdOf(rootPublicKey);
  const keys = new Map<string, DirectoryKey>([[rootKid, { publicKey: rootPublicKey, position: -1 }]]);
  const invalidRevocations = new Map<number, string>();
  const rootOnly: KeyResolver = (kid) => (kid === rootKid ? rootPublicKey : undefined);
  for (const { position, envelope } of registrations) {
    const env = envelope as EventEnvelope<{ kid?: unknown; publicKey?: unknown; reason?: unknown }>;
    if (!ROOT_EVENT_TYPES.has(env?.type) || !verifyEnvelope(env, rootOnly).ok) continue;
    if (env.type === KEY_REVOKED_TYPE) {
      const invalid = revocationProblem(env.data, keys, rootKid);
      if (invalid) invalidRevocations.set(position, invalid);
      else keys.get(env.data.kid as string)!.revokedAt = position;
      continue;
    }
    if (typeof env.data.kid !== 'string' || typeof env.data.publicKey !== 'string') continue;
    let publicKey: Uint8Array;
    try {
      publicKey = fromBase64Url(env.data.publicKey);
    } catch {
      continue;
    }
    if (keyIdOf(publicKey) !== env.data.kid || keys.has(env.data.kid)) continue;
    keys.set(env.data.kid, { publicKey, position });
  }
  return { rootKid, keys, invalidRevocations };
}

function revocationProblem(data: { kid?: unknown; reason?: unknown; supersededBy?: unknown }, keys: Map<string, DirectoryKey>, rootKid: string): string | undefined {
  if (typeof data?.kid !== 'string' || typeof data.reason !== 'string') return 'a key revocation needs data { kid: string, reason: string }';
  if (data.kid === rootKid) return 'the root key cannot be revoked in its own ledger';
  const key = keys.get(data.kid);
  if (!key) return `revokes ${data.kid}, which the root never registered before it`;
  if (key.revokedAt !== undefined) return `revokes ${data.kid} again (already revoked at position ${key.revokedAt})`;
  if (data.supersededBy !== undefined && typeof data.supersededBy !== 'string') return 'supersededBy must be a key id';
  return undefined;
}

export function resolverOf(directory: KeyDirectory): KeyResolver {
  return (kid) => directory.keys.get(kid)?.publicKey;
}

/**
 * Checks one stored event on its own (runs in any thread): hash and signature, and that the
 * envelope says what the row's columns say (stream, revision = seq, and id and type when given;
 * the position is the store's own).
 */
export function checkStoredEvent(
  stored: { position: number; stream: string; revision: number; id?: string; type?: string; data: unknown },
  resolve: KeyResolver,
  vouched?: SignatureVouch,
  /**
   * The envelope is the very object this process sealed and signed, handed back from memory (it
   * never went through the store's file): its hash and signature are not recomputed. The row
   * checks and, in the auditor, the chain and key checks still run.
   */
  sealedHere = false,
): EventCheck {
  const env = stored.data as Partial<EventEnvelope>;
  const result = sealedHere ? SEALED_HERE : verifyEnvelope(stored.data, resolve, undefined, vouched);
  const check: EventCheck = {
    position: stored.position,
    stream: stored.stream,
    revision: stored.revision,
    id: typeof env?.id === 'string' ? env.id : undefined,
    type: typeof env?.type === 'string' ? env.type : undefined,
    seq: typeof env?.seq === 'number' ? env.seq : undefined,
    prev: typeof env?.prev === 'string' ? env.prev : undefined,
    hash: typeof env?.hash === 'string' ? env.hash : undefined,
    kid: typeof env?.kid === 'string' ? env.kid : undefined,
    result,
  };
  if (result.ok) {
    const mismatch = rowMismatch(env as EventEnvelope, stored);
    if (mismatch) check.mismatch = mismatch;
  }
  return check;
}

const SEALED_HERE: VerificationResult = Object.freeze({ ok: true });

function rowMismatch(env: EventEnvelope, stored: { stream: string; revision: number; id?: string; type?: string }): EventCheck['mismatch'] {
  if (env.stream !== stored.stream || env.seq !== stored.revision) {
    return { reason: 'STREAM_MISMATCH', detail: `${env.stream}@${env.seq} is stored as ${stored.stream}@${stored.revision}` };
  }
  if (stored.id !== undefined && env.id !== stored.id) return { reason: 'ROW_MISMATCH', detail: `id: the envelope says ${env.id}, the row ${stored.id}` };
  if (stored.type !== undefined && env.type !== stored.type) return { reason: 'ROW_MISMATCH', detail: `type: the envelope says ${env.type}, the row ${stored.type}` };
  return undefined;
}

/**
 * The sequential half of a ledger audit, fed EventChecks in global order: position order,
 * signatures, key registration order (a key signs only after the root registered it), and every
 * stream's hash chain. Reports each problem; the first is the one a human needs.
 */
export class LedgerAuditor {
  private readonly chains: ChainVerifier;
  private lastPosition?: number;
  /** Per stored stream: the highest stored revision fed, and where it was. */
  private readonly tails = new Map<string, { revision: number; position: number; eventId?: string }>();
  readonly problems: AuditProblem[] = [];
  events = 0;

  constructor(
    private readonly directory: KeyDirectory,
    private readonly options: {
      densePositions: boolean;
      maxProblems?: number;
      /** Resume: the streams' heads as a reader that verified the log up to some position left them. */
      initialHeads?: Iterable<readonly [string, StreamHead]>;
    } = { densePositions: false },
  ) {
    this.chains = new ChainVerifier(options.initialHeads);
  }

  get streamCount(): number {
    return this.chains.streamCount;
  }

  feed(check: EventCheck): AuditProblem | undefined {
    this.events++;
    const problem = this.find(check);
    this.record(problem);
    this.lastPosition = check.position;
    const tail = this.tails.get(check.stream);
    if (check.stream && (!tail || check.revision > tail.revision)) {
      this.tails.set(check.stream, { revision: check.revision, position: check.position, eventId: check.id });
    }
    return problem;
  }

  /** The streams fed so far, each with the highest stored revision seen. */
  get streamRevisions(): ReadonlyMap<string, number> {
    return new Map([...this.tails].map(([stream, tail]) => [stream, tail.revision]));
  }

  /**
   * After the walk: the store's own record of a stream's head (SQLite's stream table, written in
   * the transaction that appends) must be the last revision the walk saw. A head further on means
   * events at the end of the stream are gone, which leaves no gap in the log when they were the
   * newest; a head behind means rows were added behind the store's back. This only catches a
   * forger who leaves the stream table alone: one who edits both tables needs signed checkpoints.
   */
  checkStreamHead(stream: string, storedRevision: number): AuditProblem | undefined {
    const tail = this.tails.get(stream);
    const seen = tail?.revision ?? -1;
    if (storedRevision === seen) return undefined;
    const where = tail ? `revision ${seen} (position ${tail.position})` : 'no event';
    const problem: AuditProblem =
      storedRevision > seen
        ? {
            position: (this.lastPosition ?? 0) + 1,
            stream,
            seq: seen + 1,
            reason: 'STREAM_HEAD_MISMATCH',
            detail: `the log has ${stream} up to ${where}, but the store records its head at revision ${storedRevision}: ${storedRevision - seen} event(s) at its end are missing`,
          }
        : {
            position: tail!.position,
            eventId: tail!.eventId,
            stream,
            seq: seen,
            reason: 'STREAM_HEAD_MISMATCH',
            detail: `the log has ${stream} up to ${where}, but the store records its head at revision ${storedRevision}: rows were added behind the store's back`,
          };
    this.record(problem);
    return problem;
  }

  /** True when more problems were found than `problems` keeps (maxProblems, default 100). */
  problemsCapped = false;

  private record(problem: AuditProblem | undefined): void {
    if (!problem) return;
    if (this.problems.length < (this.options.maxProblems ?? 100)) this.problems.push(problem);
    else this.problemsCapped = true;
  }

  private find(check: EventCheck): AuditProblem | undefined {
    const at = { position: check.position, eventId: check.id, stream: check.stream || undefined, seq: check.seq };
    if (this.lastPosition !== undefined) {
      if (check.position <= this.lastPosition) {
        return { ...at, reason: 'POSITION_ORDER', detail: `position ${check.position} after ${this.lastPosition}` };
      }
      if (this.options.densePositions && check.position !== this.lastPosition + 1) {
        return { ...at, reason: 'POSITION_GAP', detail: `positions ${this.lastPosition + 1}..${check.position - 1} are missing` };
      }
    } else if (this.options.densePositions && check.position !== 1) {
      return { ...at, reason: 'POSITION_GAP', detail: `the log starts at position ${check.position}, not 1` };
    }
    if (!check.result.ok) return { ...at, reason: check.result.reason, detail: check.result.detail };
    if (check.mismatch) return { ...at, reason: check.mismatch.reason, detail: check.mismatch.detail };
    const byRoot = check.kid === this.directory.rootKid;
    if (ROOT_EVENT_TYPES.has(check.type!) && !byRoot) {
      return { ...at, reason: 'KEY_REGISTRATION_NOT_BY_ROOT', detail: `a ${check.type} signed by ${check.kid}, not by the root key` };
    }
    if (byRoot && !ROOT_EVENT_TYPES.has(check.type!)) {
      return { ...at, reason: 'ROOT_SIGNED_EVENT', detail: `a ${check.type} signed by the root key, which signs only key registrations and revocations` };
    }
    if (check.type === KEY_REVOKED_TYPE) {
      const invalid = this.directory.invalidRevocations.get(check.position);
      if (invalid) return { ...at, reason: 'KEY_REVOCATION_INVALID', detail: invalid };
      if (check.stream !== KEY_STREAM) return { ...at, reason: 'KEY_REVOCATION_INVALID', detail: `a key revocation outside ${KEY_STREAM} revokes nothing` };
    }
    const key = this.directory.keys.get(check.kid!);
    if (key && key.position >= check.position) {
      return { ...at, reason: 'KEY_NOT_YET_REGISTERED', detail: `signed by ${check.kid}, registered only at position ${key.position}` };
    }
    if (key?.revokedAt !== undefined && check.position > key.revokedAt) {
      return { ...at, reason: 'KEY_REVOKED', detail: `signed by ${check.kid}, revoked by the root at position ${key.revokedAt}` };
    }
    const chain = this.chains.check({ stream: check.stream, seq: check.seq!, prev: check.prev!, hash: check.hash! }, { stream: check.stream, revision: check.revision });
    if (chain) return { ...at, reason: chain.reason, detail: chain.detail };
    return undefined;
  }
}
