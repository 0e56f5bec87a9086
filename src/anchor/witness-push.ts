import { Logger } from '@nestjs/common';
import type { AnchorCheckpoint } from '@warden/anchor-store';
import { EgressError } from '@warden/egress';
import type { UpstreamEgress } from '../upstream/upstream-egress';
import type { AnchorProofs } from './anchor-proofs';
import type { Cosignatures } from './cosignatures';

/** How long one add-checkpoint request may take. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Most of a witness's answer that is read (a cosignature line is ~100 bytes). */
const MAX_ANSWER = 16 * 1024;

export type PushOutcome =
  | { witness: string; log: string; size: number; outcome: 'cosigned' | 'superseded' }
  | { witness: string; log: string; size: number; outcome: 'failed'; detail: string };

/**
 * Pushes every checkpoint the node stores to the configured witnesses (c2sp.org/tlog-witness
 * `add-checkpoint`: `old <size>`, the consistency proof from that size, the signed note) and
 * records the cosignatures they return, verified like any other (Cosignatures: configured keys
 * only, over this checkpoint's exact body). A witness that has recorded another size answers 409
 * with it: the push is made again once from that size. One push at a time, in order, and only the
 * newest checkpoint of a log (one superseded while it waited is skipped); a failure is logged and
 * the next checkpoint tries again (a witness only ever needs the latest one). Reached through the
 * egress guard, like an upstream.
 */
export class WitnessPush {
  private readonly logger = new Logger('WitnessPush');
  /** `<witness>\0<log>` → the size that witness has recorded for the log, as far as this node knows. */
  private readonly known = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lastFailure = new Map<string, string>();
  /** The newest checkpoint size queued per log: an older one still waiting is not pushed (catching up at start stores many). */
  private readonly newest = new Map<string, number>();

  constructor(
    private readonly witnesses: readonly string[],
    private readonly egress: Pick<UpstreamEgress, 'fetch' | 'close'>,
    private readonly proofs: Pick<AnchorProofs, 'consistency'>,
    private readonly cosignatures: Pick<Cosignatures, 'add'>,
  ) {}

  /** Queues the pushes of a stored checkpoint; resolves with their outcomes (never rejects). */
  push(checkpoint: AnchorCheckpoint): Promise<PushOutcome[]> {
    this.newest.set(checkpoint.log, Math.max(this.newest.get(checkpoint.log) ?? 0, checkpoint.size));
    const run = this.queue.then(() => Promise.all(this.witnesses.map((witness) => this.pushTo(witness, checkpoint))));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every push queued so far is done. */
  async settled(): Promise<void> {
    await this.queue;
  }

  /** Lets the queued pushes finish, then closes its connections. */
  async close(): Promise<void> {
    await this.settled();
    await this.egress.close();
  }

  private async pushTo(witness: string, checkpoint: AnchorCheckpoint): Promise<PushOutcome> {
    const key = `${witness}\u0000${checkpoint.log}`;
    if (checkpoint.size < (this.newest.get(checkpoint.log) ?? 0)) return { witness, log: checkpoint.log, size: checkpoint.size, outcome: 'superseded' };
    try {
      await this.addCheckpoint(witness, key, checkpoint, true);
      this.known.set(key, checkpoint.size);
      if (this.lastFailure.delete(key)) this.logger.log(`witness ${witness} cosigns ${checkpoint.log} again (size ${checkpoint.size})`);
      return { witness, log: checkpoint.log, size: checkpoint.size, outcome: 'cosigned' };
    } catch (error) {
      const detail = reasonOf(error);
      // One line per witness and log while it keeps failing the same way, not one per checkpoint.
      if (this.lastFailure.get(key) !== detail) this.logger.warn(`witness ${witness} did not cosign ${checkpoint.log} at size ${checkpoint.size}: ${detail}`);
      this.lastFailure.set(key, detail);
      return { witness, log: checkpoint.log, size: checkpoint.size, outcome: 'failed', detail };
    }
  }

  private async addCheckpoint(witness: string, key: string, checkpoint: AnchorCheckpoint, mayRetry: boolean): Promise<void> {
    const oldSize = Math.min(this.known.get(key) ?? 0, checkpoint.size);
    const proof = oldSize > 0 && oldSize < checkpoint.size ? (await this.proofs.consistency(checkpoint.log, oldSize, checkpoint.size)).proof : [];
    const body = `old ${oldSize}\n${proof.map((hash) => `${hash}\n`).join('')}\n${checkpoint.note}`;
    const response = await this.egress.fetch(witness, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const answer = (await response.text()).slice(0, MAX_ANSWER);
    if (response.status === 200) {
      await this.cosignatures.add(checkpoint, `${checkpoint.note}${answer.endsWith('\n') || answer === '' ? answer : `${answer}\n`}`);
      return;
    }
    const recorded = response.status === 409 && (response.headers.get('content-type') ?? '').startsWith('text/x.tlog.size') ? Number(answer.trim()) : NaN;
    if (mayRetry && Number.isSafeInteger(recorded) && recorded >= 0 && recorded !== oldSize && recorded <= checkpoint.size) {
      this.known.set(key, recorded); // it has recorded another size: push again from there
      return this.addCheckpoint(witness, key, checkpoint, false);
    }
    const reason = response.headers.get('warden-reason');
    throw new Error(`HTTP ${response.status}${reason ? ` ${reason}` : ''}: ${answer.trim().slice(0, 200)}`);
  }
}

/** What went wrong, for the log line and the outcome: fetch wraps the connection's error (an egress refusal among them) in `cause`. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  if (error instanceof EgressError || cause instanceof EgressError) return `refused by the egress guard: ${(cause ?? (error as EgressError)).message}`;
  if (cause) return `${(error as Error).message}: ${cause.message}`;
  return error instanceof Error ? error.message : String(error);
}
