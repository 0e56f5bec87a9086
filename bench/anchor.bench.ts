import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import { createEd25519Signer, generateEd25519KeyPair } from '@warden/ledger';
import { MemoryAnchorStore, SqliteAnchorStore, type AnchorStore } from '@warden/anchor-store';
import { AnchorProjection } from '../src/anchor/anchor-projection';
import { CheckpointSigner } from '../src/anchor/checkpoint-signer';
import { systemClock, uuidV7Ids } from '../src/ledger/clock';
import { readKeyStream, registerNodeKey } from '../src/ledger/key-registration';
import { LedgerIntegrity } from '../src/ledger/ledger-integrity';
import { LedgerWriter } from '../src/ledger/ledger-writer';
import type { BenchOptions } from './support/bench-options';
import { environment, type BenchReport, type Table } from './support/report';
import { round } from './support/stats';

/**
 * Anchor throughput (issue 17): a ledger of N tool-call-like events over 4 organisations, then
 * the anchor projection catching up from zero — every event verified (hash, Ed25519, chain),
 * appended to its org's tree and committed (SQLite anchor store in the ledger file, or in memory
 * for comparison) — with checkpoints signed every 1,000 events or never.
 */
export const ANCHOR_BENCH = 'anchor';

interface Variant {
  id: string;
  store: 'sqlite' | 'memory';
  everyEvents: number;
}

const VARIANTS: Variant[] = [
  { id: 'SQLite store, no checkpoints', store: 'sqlite', everyEvents: 100_000_000 },
  { id: 'SQLite store, checkpoint every 1,000 events', store: 'sqlite', everyEvents: 1000 },
  { id: 'in-memory store, no checkpoints', store: 'memory', everyEvents: 100_000_000 },
];

export async function runAnchorBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const events = options.quick ? 5_000 : 50_000;
  const rows: Array<Array<string | number>> = [];
  const figures: Record<string, unknown> = {};
  for (const variant of VARIANTS) {
    const dir = mkdtempSync(join(tmpdir(), 'warden-bench-anchor-'));
    const store = new SqliteEventStore({ file: join(dir, 'ledger.db'), synchronous: 'NORMAL' });
    try {
      const root = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      const node = createEd25519Signer(generateEd25519KeyPair().privateKeyPem);
      await registerNodeKey(store, root, node, 'node-1', systemClock, uuidV7Ids);
      const writer = new LedgerWriter(store, node, systemClock, uuidV7Ids);
      options.log(`anchor: writing ${events.toLocaleString('en-US')} events (${variant.id})`);
      const batch = 500;
      for (let i = 0; i < events; i += batch) {
        const org = `org-${(i / batch) % 4}`;
        const drafts = Array.from({ length: Math.min(batch, events - i) }, (_, j) => ({ type: 'ToolCallDecided', org, actor: { kind: 'agent' as const, id: 'a1' }, data: { n: i + j, decision: 'allow' } }));
        await writer.append(`calls-${org}-node-1`, drafts);
      }
      const anchors: AnchorStore = variant.store === 'sqlite' ? new SqliteAnchorStore({ file: join(dir, 'ledger.db'), synchronous: 'NORMAL' }) : new MemoryAnchorStore();
      const integrity = new LedgerIntegrity(root.publicKey, await readKeyStream(store));
      const signer = new CheckpointSigner('bench.warden.example', node, writer, 'node-1');
      let signed = 0;
      const projection = new AnchorProjection(store, anchors, integrity, async (request) => {
        await signer.sign(request);
        signed++;
      }, { everyEvents: variant.everyEvents, everyMs: 0 });
      options.log(`anchor: catching up (${variant.id})`);
      const t0 = performance.now();
      await projection.start();
      await projection.flush();
      await projection.checkpointGrownLogs().catch(() => undefined);
      const seconds = (performance.now() - t0) / 1000;
      await projection.stop();
      await anchors.close();
      const health = projection.health();
      if (health.failure) throw new Error(`anchor bench: ${health.failure}`);
      const perSecond = round(health.leaves / seconds, 0);
      rows.push([variant.id, health.leaves, round(seconds, 2), perSecond, signed]);
      figures[variant.id] = { leaves: health.leaves, seconds: round(seconds, 3), eventsPerSecond: perSecond, checkpointsSigned: signed };
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const table: Table = {
    title: `Anchor catch-up over ${events.toLocaleString('en-US')} events (verified, appended to 4 org trees, committed)`,
    columns: ['variant', 'leaves', 'seconds', 'events/s', 'checkpoints signed'],
    rows,
  };
  return {
    bench: ANCHOR_BENCH,
    startedAt: new Date().toISOString(),
    seconds: round((performance.now() - started) / 1000, 1),
    environment: environment(),
    parameters: { events },
    figures,
    tables: [table],
    targets: [],
    notes: [
      'One thread: each event is hashed, its Ed25519 signature verified and its chain link checked (LedgerIntegrity) before it becomes a leaf; the SQLite rows are committed in batches (group commit).',
      'Checkpoints signed during catch-up are events too: they are read back, checked against the tree and anchored in the same run.',
    ],
  };
}
