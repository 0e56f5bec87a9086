import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { Actor } from '@warden/ledger';
import { PAYLOAD_STORE, type PayloadStore, type PendingPayload } from '@warden/payload-store';
import { WardenError } from '../../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../../config/warden-config';
import { type Durability, LedgerWriter } from '../../ledger/ledger-writer';
import {
  callsStream,
  PLATFORM_ORG,
  type McpRequestRelayedData,
  type RequestRejectedData,
  type RequestsRejectedData,
  type ServerRequestRelayedData,
  type ToolCallCompletedData,
  type ToolCallDecidedData,
  type ToolCallFailedData,
  type UpstreamLogRelayedData,
} from './tool-call.events';

/**
 * Writes the evidence of calls: the signed event on the node's calls stream and, beside it, the
 * encrypted payload bound to the event id. The payload's salted digest is known before its commit,
 * so the event that carries it is sealed at once and both commit in the same group-commit round.
 * A failure of either is a failure to record.
 *
 * A decision is durable before anything is forwarded. An outcome (completed / failed) is sealed,
 * encrypted and committed behind the agent's answer (from the turn after it is written): the
 * agent does not wait for a second commit. Outcomes are appended with deferred durability: their
 * transaction shares the fsync of the next decision (within a few ms), so a sequential agent pays
 * one fsync per call, not two. If that commit fails, the outcome is
 * counted and logged, and health turns 503 until an outcome commits again; the ledger then shows
 * the decision without an outcome.
 */
@Injectable()
export class CallRecorder implements BeforeApplicationShutdown {
  private readonly logger = new Logger('CallRecorder');
  private readonly outcomesInFlight = new Set<Promise<void>>();
  private outcomesNotRecorded = 0;
  private outcomeWritesFailing = 0;

  constructor(
    private readonly writer: LedgerWriter,
    @Inject(PAYLOAD_STORE) private readonly payloads: PayloadStore,
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
  ) {}

  newCallId(): string {
    return this.writer.newEventId();
  }

  /** Throws LEDGER.UNAVAILABLE if the decision could not be made durable: the caller must deny. */
  async decided(org: string, actor: Actor, data: ToolCallDecidedData, args: unknown): Promise<void> {
    await this.record(org, actor, 'ToolCallDecided', data, data.callId, args).catch((error: unknown) => {
      this.logger.error(`the decision of call ${data.callId} could not be recorded, so it is denied: ${reasonOf(error)}`);
      throw error;
    });
  }

  /** Queued behind the answer (see above); never throws at the caller. */
  completed(org: string, actor: Actor, data: ToolCallCompletedData, result: unknown): void {
    this.behindTheAnswer(data.callId, () => this.record(org, actor, 'ToolCallCompleted', data, undefined, result, 'deferred'));
  }

  /** Queued behind the answer (see above); never throws at the caller. */
  failed(org: string, actor: Actor, data: ToolCallFailedData): void {
    this.behindTheAnswer(data.callId, () => this.record(org, actor, 'ToolCallFailed', data, undefined, undefined, 'deferred'));
  }

  /** Queued behind the answer, like an outcome; payload = the upstream's result when there is one. */
  relayed(org: string, actor: Actor, data: McpRequestRelayedData, result?: unknown): void {
    this.behindTheAnswer(data.requestId, () => this.record(org, actor, 'McpRequestRelayed', data, undefined, result, 'deferred'));
  }

  /** Queued behind the answer; payload = the upstream's request and the agent's answer. */
  serverRequestRelayed(org: string, actor: Actor, data: ServerRequestRelayedData, exchange: unknown): void {
    this.behindTheAnswer(data.requestId, () => this.record(org, actor, 'ServerRequestRelayed', data, undefined, exchange, 'deferred'));
  }

  /** Queued behind the answer; payload = the relayed log messages' params. */
  logRelayed(org: string, actor: Actor, data: UpstreamLogRelayedData, messages: unknown[]): void {
    this.behindTheAnswer(data.requestId, () => this.record(org, actor, 'UpstreamLogRelayed', data, undefined, messages, 'deferred'));
  }

  /** Resolves once every outcome queued so far has committed or failed. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.outcomesInFlight]);
  }

  /** Outcomes queued behind answers commit before the stores close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  /**
   * outcomeWritesFailing: outcomes whose commit failed since the last one that succeeded —
   * anything but 0 makes the gateway unhealthy, until an outcome commits again.
   * outcomesNotRecorded: every outcome lost since start (each one logged).
   */
  health(): { outcomeWritesFailing: number; outcomesNotRecorded: number; outcomesInFlight: number } {
    return { outcomeWritesFailing: this.outcomeWritesFailing, outcomesNotRecorded: this.outcomesNotRecorded, outcomesInFlight: this.outcomesInFlight.size };
  }

  /** Unauthenticated requests are recorded on the platform's calls stream (no organisation is known). */
  async requestRejected(org: string | undefined, actor: Actor, data: RequestRejectedData): Promise<void> {
    await this.record(org ?? PLATFORM_ORG, actor, 'RequestRejected', data);
  }

  /** A window's count of unauthenticated rejections beyond those recorded one by one. */
  async requestsRejected(data: RequestsRejectedData): Promise<void> {
    await this.record(PLATFORM_ORG, { kind: 'system', id: 'edge' }, 'RequestsRejected', data);
  }

  /**
   * Records after the current turn, once the answer has been written: sealing and encrypting the
   * outcome stays off the answer's path. Tracked from now, so settled() and shutdown wait for it.
   */
  private behindTheAnswer(callId: string, record: () => Promise<void>): void {
    const recording = new Promise<void>((resolve) => setImmediate(resolve)).then(record);
    const tracked = recording.then(
      () => {
        this.outcomeWritesFailing = 0;
      },
      (error: unknown) => {
        this.outcomesNotRecorded += 1;
        this.outcomeWritesFailing += 1;
        this.logger.error(`the outcome of request ${callId} could not be recorded: ${reasonOf(error)}`);
      },
    );
    this.outcomesInFlight.add(tracked);
    void tracked.finally(() => this.outcomesInFlight.delete(tracked));
  }

  private async record(org: string, actor: Actor, type: string, data: object, id?: string, content?: unknown, durability: Durability = 'immediate'): Promise<void> {
    const eventId = id ?? this.writer.newEventId();
    let payload: PendingPayload | undefined;
    try {
      payload = content === undefined ? undefined : this.payloads.write(org, eventId, content);
      const event = this.writer.append(
        callsStream(org, this.config.nodeId),
        [{ id: eventId, type, org, actor, data: withPayloadDigest(data as Record<string, unknown>, payload?.digest), payload: payload ? { digest: payload.digest } : null }],
        undefined,
        durability,
      );
      // If the event fails before it reaches the store (sealing it, signing it), its payload waits
      // for nothing: drop it, so that no payload row is ever committed without its event.
      event.catch(() => payload?.abandon());
      await Promise.all([payload?.durable, event]);
    } catch (error) {
      const failure = new WardenError('unavailable', 'LEDGER.UNAVAILABLE', 'the ledger cannot record this call, so it is not made');
      failure.cause = error; // for the log line, never for the answer
      throw failure;
    }
  }
}

/** What went wrong, for the log: the error's kind and message (ledger and store errors carry no content). */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/** Content findings name the payload they were found in by its (salted) digest: the event's own payload. */
function withPayloadDigest(data: Record<string, unknown>, digest: string | undefined): Record<string, unknown> {
  const findings = data.findings;
  if (!Array.isArray(findings) || digest === undefined) return data;
  return { ...data, findings: findings.map((f: object) => ({ ...f, payloadDigest: digest })) };
}
