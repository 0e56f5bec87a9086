import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@warden/event-store';
import type { EventEnvelope } from '@warden/ledger';
import type { Projection } from './projection';
import { ReadModelProjector } from './read-model-projector';

/** A read model that records what it was given. */
class Recorder implements Projection {
  readonly seen: string[] = [];
  constructor(readonly name: string, readonly streamPrefixes: string[]) {}
  apply(event: EventEnvelope): void {
    this.seen.push(`${this.name}:${event.stream}`);
  }
}

describe('ReadModelProjector', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;
  let n = 0;
  const append = (stream: string) =>
    store.appendToStream(stream, [{ id: `e-${++n}`, type: 'T', data: { stream } }], { expectedRevision: 'any' });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-projector-'));
    file = join(dir, 'ledger.db');
    store = new SqliteEventStore({ file });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('subscribes only to the streams its read models read: tool-call events are never decoded for it', async () => {
    const projector = new ReadModelProjector(store);
    const orgs = new Recorder('orgs', ['org-']);
    const agents = new Recorder('agents', ['agent-']);
    projector.register(orgs);
    projector.register(agents);
    await append('org-1');
    await append('calls-1-node-1');
    // A tool-call row the projector would fail on, were it to decode it.
    const raw = new Database(file);
    raw.prepare(`UPDATE events SET data = '{not json' WHERE stream LIKE 'calls-%'`).run();
    raw.close();
    await projector.start();
    await append('calls-1-node-1');
    const agent = await append('agent-1');
    await projector.waitFor(agent.position, 'agent-1');
    expect(orgs.seen).toEqual(['orgs:org-1', 'orgs:agent-1']);
    expect(agents.seen).toEqual(orgs.seen.map((s) => s.replace('orgs:', 'agents:')));
    expect(projector.health().failure).toBeUndefined();
    await projector.stop();
  });

  it('does not make a writer wait for a stream no read model reads', async () => {
    const projector = new ReadModelProjector(store);
    projector.register(new Recorder('orgs', ['org-']));
    await projector.start();
    const call = await append('calls-1-node-1');
    await expect(projector.waitFor(call.position, 'calls-1-node-1')).resolves.toBeUndefined();
    await projector.stop();
  });
});
