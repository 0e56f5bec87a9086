import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  buildExportBundle,
  BUNDLE_FILES,
  exportLeafRange,
  KEY_STREAM,
  rfc3339MicrosNow,
  type Actor,
  type BuiltBundle,
  type BundleCheckpointLine,
  type EventEnvelope,
  type ExportPayload,
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
  manifest: BuiltBundle['manifest'];
}

const PAGE = 5_000;

/**
 * Builds an organisation's export bundle (libs/ledger buildExportBundle) from the ledger as
 * stored: the org's log in commit order, the key stream, every signed checkpoint with its
 * witnesses' cosignatures, and the payloads (digests always, plaintext on request; erased ones
 * with their signed erasure). The export is recorded as ExportCreated before it is handed out:
 * if that append fails, nothing is handed out.
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

  async export(org: string, request: ExportRequest, actor: Actor): Promise<RecordedExport> {
    if (request.from && request.to && request.from > request.to) throw new WardenError('bad_request', 'EXPORT.INVALID_RANGE', 'from must not be after to', { from: request.from, to: request.to });
    const orgEvents = await this.orgLog(org);
    const checkpoints = await this.checkpoints(org, orgEvents);
    const range = { from: request.from, to: request.to };
    const { firstLeaf, end } = exportLeafRange({ orgEvents, checkpoints, range });
    const built = buildExportBundle({
      org,
      origin: originOf(deploymentName(this.config.checkpoints.logOrigin, this.trust.root.kid), org),
      rootPublicKey: this.trust.root.publicKey,
      createdAt: rfc3339MicrosNow(),
      range,
      orgEvents,
      keyEvents: (await this.events.readStream(KEY_STREAM)).map((r) => r.data as EventEnvelope),
      checkpoints,
      includePayloads: request.payloads,
      payloads: await this.payloadsOf(org, orgEvents, orgEvents.slice(firstLeaf, end), request.payloads),
    });
    const manifestSha256 = createHash('sha256').update(built.files[BUNDLE_FILES.manifest]).digest('hex');
    const data: ExportCreatedData = {
      from: request.from ?? null,
      to: request.to ?? null,
      payloads: request.payloads,
      firstLeaf: built.manifest.range.firstLeaf,
      events: built.manifest.counts.events,
      uncovered: built.uncovered,
      checkpoints: built.manifest.counts.checkpoints,
      manifestSha256,
    };
    const appended = await this.writer.append(exportStream(org), [{ type: EXPORT_CREATED, org, actor, data: data as unknown as Record<string, unknown> }]);
    return { exportEventId: appended.envelopes[0].id, files: built.files, manifest: built.manifest };
  }

  /** The organisation's past exports, newest last. */
  async list(org: string): Promise<Array<ExportCreatedData & { exportEventId: string; at: string; actor: Actor }>> {
    return (await this.events.readStream(exportStream(org))).map((r) => {
      const env = r.data as EventEnvelope<ExportCreatedData & Record<string, unknown>>;
      return { exportEventId: env.id, at: env.at, actor: env.actor, ...env.data };
    });
  }

  private async orgLog(org: string): Promise<EventEnvelope[]> {
    const out: EventEnvelope[] = [];
    let position = 0;
    for (;;) {
      const page = await this.events.readAll({ fromPosition: position, maxCount: PAGE });
      for (const r of page) if ((r.data as EventEnvelope).org === org) out.push(r.data as EventEnvelope);
      if (page.length < PAGE) return out;
      position = page[page.length - 1].position;
    }
  }

  private async checkpoints(org: string, orgEvents: EventEnvelope[]): Promise<BundleCheckpointLine[]> {
    const stream = checkpointStream(org);
    const lines: BundleCheckpointLine[] = [];
    for (const env of orgEvents) {
      if (env.stream !== stream || env.type !== CHECKPOINT_SIGNED) continue;
      const data = env.data as unknown as CheckpointSignedData;
      const stored = await this.anchors.checkpoint(org, data.size);
      const note = stored && stored.eventId === env.id ? (await this.cosignatures.cosigned(stored)).note : data.note;
      lines.push({ size: data.size, eventId: env.id, note });
    }
    return lines;
  }

  /** Per exported event with a payload: erased (with the signed erasure that names it), or present (its content only with --payloads). */
  private async payloadsOf(org: string, orgEvents: EventEnvelope[], exported: EventEnvelope[], withContent: boolean): Promise<Map<string, ExportPayload>> {
    const erasures = new Map<string, EventEnvelope>();
    for (const env of orgEvents) {
      if (env.type !== PAYLOADS_ERASED_TYPE) continue;
      for (const id of (env.data as unknown as PayloadsErasedData).eventIds ?? []) if (!erasures.has(id)) erasures.set(id, env);
    }
    const out = new Map<string, ExportPayload>();
    for (const env of exported) {
      if (!env.payload) continue;
      const erasure = erasures.get(env.id);
      if (erasure) out.set(env.id, { state: 'erased', erasure });
      else if (!withContent) out.set(env.id, { state: 'present', content: undefined });
      else {
        const lookup = await this.payloads.get(org, env.id).catch(() => undefined);
        if (lookup?.status !== 'present') {
          throw new WardenError('unavailable', 'EXPORT.PAYLOAD_UNAVAILABLE', `the payload of event ${env.id} is ${lookup?.status ?? 'unreadable'} and no signed erasure names it (warden verify --payloads says more)`, { eventId: env.id });
        }
        out.set(env.id, { state: 'present', content: lookup.content, salt: lookup.salt });
      }
    }
    return out;
  }
}
