import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  BUNDLE_FILES,
  ExportBundleWriter,
  ExportPlanner,
  KEY_STREAM,
  rfc3339MicrosNow,
  type Actor,
  type BundleCheckpointLine,
  type BundleManifest,
  type BundleSink,
  type EventEnvelope,
  type ExportHeader,
  type ExportPayload,
  type ExportPlan,
} from '@warden/ledger';
import { EVENT_STORE, type EventStore } from '@warden/event-store';
import { PAYLOAD_STORE, type PayloadStore } from '@warden/payload-store';
import { ANCHOR_STORE, type AnchorStore } from '@warden/anchor-store';
import { WardenError } from '../common/warden-error';
import { WARDEN_CONFIG, type WardenConfig } from '../config/warden-config';
import { NODE_TRUST } from '../ledger/ledger.module';
import type { NodeTrust } from '../ledger/node-trust';
import { LedgerWriter } from '../ledger/ledger-writer';
import { CHECKPOINT_SIGNED, checkpointStream, type CheckpointSignedData } from '../anchor/anchor.events';
import { Cosignatures } from '../anchor/cosignatures';
import { deploymentName, originOf } from '../anchor/log-origin';
import { PAYLOADS_ERASED_TYPE, type PayloadsErasedData } from '../erasure/erasure.events';
import { EXPORT_CREATED, exportStream, type ExportCreatedData } from './export.events';

export interface ExportRequest {
  from?: string;
  to?: string;
  payloads: boolean;
}

export interface RecordedExport {
  exportEventId: string;
  files: Record<string, string>;
  manifest: BundleManifest;
}

/** An export recorded (ExportCreated) and ready to stream: `frames()` yields the framed stream (docs/export-bundle.md, "Streaming"). */
export interface StreamedExport {
  exportEventId: string;
  events: number;
  frames(): AsyncGenerator<string>;
}

/** One file's text in the stream: `<file>\t<line>\n` (JSON lines hold no raw tab or newline). */
export const FRAME_END = 'end';
export const FRAME_ERROR = 'error';

interface Prepared {
  org: string;
  plan: ExportPlan;
  header: ExportHeader;
  keyEvents: EventEnvelope[];
  /** Read pass 2 from here (exclusive; undefined = from the start). */
  fromPosition: number | undefined;
  /** eventId → the signed PayloadsErased that names it, of the whole log. */
  erasures: Map<string, EventEnvelope>;
}

/**
 * Builds an organisation's export bundle (libs/ledger ExportPlanner + ExportBundleWriter) from the
 * ledger as stored, page by page, never holding the organisation's log: pass 1 plans the range
 * (its leaves, the tree and chain heads before it, the checkpoints with their witnesses'
 * cosignatures, the erasures); pass 2 writes the lines (payloads: digests always, plaintext with
 * its salt on request; erased ones with their signed erasure). The export is recorded as
 * ExportCreated, with the manifest's SHA-256, before a byte is handed out: a dry run of pass 2
 * digests the files first; if that append fails, nothing is handed out. Pass 2 then streams the
 * same bytes; if the ledger changed meanwhile (a payload erased), the stream ends in an error frame.
 */
@Injectable()
export class ExportBundleService {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(PAYLOAD_STORE) private readonly payloads: PayloadStore,
    @Inject(ANCHOR_STORE) private readonly anchors: AnchorStore,
    @Inject(NODE_TRUST) private readonly trust: NodeTrust,
    @Inject(WARDEN_CONFIG) private readonly config: WardenConfig,
    private readonly cosignatures: Cosignatures,
    private readonly writer: LedgerWriter,
  ) {}

  /** The bundle as one JSON answer: ranges of at most WARDEN_EXPORT_JSON_MAX_EVENTS events; larger ones are refused (EXPORT.TOO_LARGE: use the stream). */
  async export(org: string, request: ExportRequest, actor: Actor): Promise<RecordedExport> {
    const prepared = await this.prepare(org, request);
    const events = prepared.plan.end - prepared.plan.firstLeaf;
    const limit = this.config.exportJsonMaxEvents;
    if (events > limit) {
      throw new WardenError('bad_request', 'EXPORT.TOO_LARGE', `the range holds ${events} events, more than one JSON answer carries (${limit}): use \`warden export\`, which streams (POST /v1/exports/stream), or a narrower from/to`, { events, limit });
    }
    const parts: Record<string, string[]> = Object.fromEntries(Object.values(BUNDLE_FILES).map((name) => [name, [] as string[]]));
    for await (const _page of this.writeBundle(prepared, (file, text) => parts[file].push(text))) {
      /* collecting */
    }
    const files = Object.fromEntries(Object.entries(parts).map(([name, texts]) => [name, texts.join('')]));
    const manifest = JSON.parse(files[BUNDLE_FILES.manifest]) as BundleManifest;
    const exportEventId = await this.record(org, request, actor, manifest, files[BUNDLE_FILES.manifest]);
    return { exportEventId, files, manifest };
  }

  /** Plans, dry-runs (digests), records ExportCreated, and hands back the stream of the same bytes. Refusals (bad range, a payload unavailable) are thrown before anything is recorded. */
  async exportStream(org: string, request: ExportRequest, actor: Actor): Promise<StreamedExport> {
    const prepared = await this.prepare(org, request);
    let dryManifest = '';
    for await (const _page of this.writeBundle(prepared, (file, text) => {
      if (file === BUNDLE_FILES.manifest) dryManifest = text;
    })) {
      /* digests only */
    }
    const manifest = JSON.parse(dryManifest) as BundleManifest;
    const exportEventId = await this.record(org, request, actor, manifest, dryManifest);
    const events = manifest.counts.events;
    const writeBundle = this.writeBundle.bind(this);
    return {
      exportEventId,
      events,
      async *frames() {
        yield `begin\t${JSON.stringify({ exportEventId, events, org })}\n`;
        let chunk = '';
        let manifestText = '';
        try {
          for await (const _page of writeBundle(prepared, (file, text) => {
            if (file === BUNDLE_FILES.manifest) manifestText = text;
            else chunk += `${file}\t${text}`;
          })) {
            if (chunk) yield chunk;
            chunk = '';
          }
          if (chunk) yield chunk;
          if (manifestText !== dryManifest) throw new Error('the ledger changed while it was exported (a payload erased meanwhile?): export again');
          yield `${FRAME_END}\t${JSON.stringify({ exportEventId, manifest: manifestText })}\n`;
        } catch (error) {
          yield `${FRAME_ERROR}\t${JSON.stringify({ code: error instanceof WardenError ? error.code : 'EXPORT.FAILED', message: (error as Error).message })}\n`;
        }
      },
    };
  }

  /** The organisation's past exports, newest last. */
  async list(org: string): Promise<Array<ExportCreatedData & { exportEventId: string; at: string; actor: Actor }>> {
    return (await this.events.readStream(exportStream(org))).map((r) => {
      const env = r.data as EventEnvelope<ExportCreatedData & Record<string, unknown>>;
      return { exportEventId: env.id, at: env.at, actor: env.actor, ...env.data };
    });
  }

  private async record(org: string, request: ExportRequest, actor: Actor, manifest: BundleManifest, manifestText: string): Promise<string> {
    const data: ExportCreatedData = {
      from: request.from ?? null,
      to: request.to ?? null,
      payloads: request.payloads,
      firstLeaf: manifest.range.firstLeaf,
      events: manifest.counts.events,
      uncovered: manifest.range.uncovered,
      checkpoints: manifest.counts.checkpoints,
      manifestSha256: createHash('sha256').update(manifestText).digest('hex'),
    };
    const appended = await this.writer.append(exportStream(org), [{ type: EXPORT_CREATED, org, actor, data: data as unknown as Record<string, unknown> }]);
    return appended.envelopes[0].id;
  }

  /** Pass 1: the organisation's log page by page, keeping only the plan's state, the checkpoint events and the erasures. */
  private async prepare(org: string, request: ExportRequest): Promise<Prepared> {
    if (request.from && request.to && request.from > request.to) throw new WardenError('bad_request', 'EXPORT.INVALID_RANGE', 'from must not be after to', { from: request.from, to: request.to });
    const range = { from: request.from, to: request.to };
    const planner = new ExportPlanner(range);
    const checkpointEvents: EventEnvelope[] = [];
    const erasures = new Map<string, EventEnvelope>();
    const stream = checkpointStream(org);
    let position: number | undefined;
    let fromPosition: number | undefined;
    for (;;) {
      const page = await this.events.readAll({ fromPosition: position, maxCount: this.config.exportPageRecords });
      for (const r of page) {
        const env = r.data as EventEnvelope;
        if (env.org === org) {
          const before = planner.firstLeaf;
          planner.add(env);
          if (before === undefined && planner.firstLeaf !== undefined) fromPosition = position;
          if (env.stream === stream && env.type === CHECKPOINT_SIGNED) checkpointEvents.push(env);
          if (env.type === PAYLOADS_ERASED_TYPE) for (const id of (env.data as unknown as PayloadsErasedData).eventIds ?? []) if (!erasures.has(id)) erasures.set(id, env);
        }
        position = r.position;
      }
      if (page.length < this.config.exportPageRecords) break;
    }
    const plan = planner.plan(await this.checkpointLines(org, checkpointEvents));
    return {
      org,
      plan,
      header: {
        org,
        origin: originOf(deploymentName(this.config.checkpoints.logOrigin, this.trust.root.kid), org),
        rootPublicKey: this.trust.root.publicKey,
        createdAt: rfc3339MicrosNow(),
        includePayloads: request.payloads,
        signer: this.trust.node.signer,
      },
      keyEvents: (await this.events.readStream(KEY_STREAM)).map((r) => r.data as EventEnvelope),
      fromPosition,
      erasures,
    };
  }

  /** Pass 2: the leaves from the first exported one to the last checkpoint's size, to `sink`; yields after every page (the manifest goes to the sink last). */
  private async *writeBundle(prepared: Prepared, sink: BundleSink): AsyncGenerator<void> {
    const { org, plan } = prepared;
    const writer = new ExportBundleWriter(plan, prepared.header, prepared.keyEvents, sink);
    let position = prepared.fromPosition;
    while (writer.wants) {
      const page = await this.events.readAll({ fromPosition: position, maxCount: this.config.exportPageRecords });
      for (const r of page) {
        position = r.position;
        const env = r.data as EventEnvelope;
        if (env.org !== org || !writer.wants) continue;
        writer.addLeaf(env, env.payload ? await this.payloadOf(prepared, env) : undefined);
      }
      if (page.length < this.config.exportPageRecords) break;
      yield;
    }
    writer.finish();
    yield;
  }

  private async checkpointLines(org: string, events: EventEnvelope[]): Promise<BundleCheckpointLine[]> {
    const lines: BundleCheckpointLine[] = [];
    for (const env of events) {
      const data = env.data as unknown as CheckpointSignedData;
      const stored = await this.anchors.checkpoint(org, data.size);
      const note = stored && stored.eventId === env.id ? (await this.cosignatures.cosigned(stored)).note : data.note;
      lines.push({ size: data.size, eventId: env.id, note });
    }
    return lines;
  }

  /** Erased (with the signed erasure that names it), or present (its content and salt only with --payloads). */
  private async payloadOf(prepared: Prepared, env: EventEnvelope): Promise<ExportPayload> {
    const erasure = prepared.erasures.get(env.id);
    if (erasure) return { state: 'erased', erasure };
    if (!prepared.header.includePayloads) return { state: 'present', content: undefined };
    const lookup = await this.payloads.get(prepared.org, env.id).catch(() => undefined);
    if (lookup?.status !== 'present') {
      throw new WardenError('unavailable', 'EXPORT.PAYLOAD_UNAVAILABLE', `the payload of event ${env.id} is ${lookup?.status ?? 'unreadable'} and no signed erasure names it (warden verify --payloads says more)`, { eventId: env.id });
    }
    return { state: 'present', content: lookup.content, salt: lookup.salt };
  }
}
