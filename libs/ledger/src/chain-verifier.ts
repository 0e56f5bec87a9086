import { GENESIS_PREV, type EventEnvelope } from './envelope';

export type ChainProblemReason = 'SEQ_GAP' | 'SEQ_DUPLICATE_OR_REORDERED' | 'PREV_MISMATCH' | 'STREAM_MISMATCH';

export interface ChainProblem {
  reason: ChainProblemReason;
  detail: string;
}

/** The fields of an envelope that link it into its stream (hash already verified). */
export type ChainLink = Pick<EventEnvelope, 'stream' | 'seq' | 'prev' | 'hash'>;

/** Where the store keeps the event: its stream and, if known, its revision in that stream. */
export interface StoredPosition {
  stream: string;
  revision?: number;
}

/** Last event seen in a stream. */
export interface StreamHead {
  seq: number;
  hash: string;
}

/**
 * Checks the hash chains of all streams while being fed envelopes in global commit order.
 * Every stream starts at seq 0 linked to GENESIS_PREV; each next event has seq + 1 and links
 * to the previous hash. `check` returns the first problem with one event, or undefined.
 *
 * After a problem the verifier resynchronises so one fault is reported once rather than for
 * every later event: an event further ahead (gap, bad link) becomes the new head; one at or
 * behind the head (duplicate, reordering) or stored in the wrong place leaves the heads as
 * they were.
 */
export class ChainVerifier {
  private readonly heads = new Map<string, StreamHead>();
  private events = 0;
  private problems = 0;

  /** Start from known heads (e.g. a checkpoint) instead of empty streams. */
  constructor(initialHeads?: Iterable<readonly [string, StreamHead]>) {
    if (initialHeads) for (const [stream, head] of initialHeads) this.heads.set(stream, { ...head });
  }

  get eventCount(): number {
    return this.events;
  }

  get streamCount(): number {
    return this.heads.size;
  }

  get problemCount(): number {
    return this.problems;
  }

  headOf(stream: string): StreamHead | undefined {
    const head = this.heads.get(stream);
    return head && { ...head };
  }

  check(env: ChainLink, position?: StoredPosition): ChainProblem | undefined {
    this.events++;
    const problem = this.findProblem(env, position);
    if (problem) this.problems++;
    return problem;
  }

  private findProblem(env: ChainLink, position: StoredPosition | undefined): ChainProblem | undefined {
    if (position && (position.stream !== env.stream || (position.revision !== undefined && position.revision !== env.seq))) {
      const stored = position.revision === undefined ? position.stream : `${position.stream}@${position.revision}`;
      return { reason: 'STREAM_MISMATCH', detail: `${env.stream}@${env.seq} is stored as ${stored}` };
    }
    const head = this.heads.get(env.stream);
    const expectedSeq = head ? head.seq + 1 : 0;
    if (env.seq < expectedSeq) {
      return {
        reason: 'SEQ_DUPLICATE_OR_REORDERED',
        detail: `${env.stream}: seq ${env.seq} after seq ${expectedSeq - 1}`,
      };
    }
    const expectedPrev = head ? head.hash : GENESIS_PREV;
    this.advance(env, head);
    if (env.seq > expectedSeq) {
      return { reason: 'SEQ_GAP', detail: `${env.stream}: expected seq ${expectedSeq}, got ${env.seq}` };
    }
    if (env.prev !== expectedPrev) {
      return {
        reason: 'PREV_MISMATCH',
        detail: `${env.stream}@${env.seq}: prev ${env.prev} does not link to ${expectedSeq === 0 ? 'genesis' : `seq ${expectedSeq - 1}`} (${expectedPrev})`,
      };
    }
    return undefined;
  }

  private advance(env: ChainLink, head: StreamHead | undefined): void {
    if (head) {
      head.seq = env.seq;
      head.hash = env.hash;
    } else {
      this.heads.set(env.stream, { seq: env.seq, hash: env.hash });
    }
  }
}
