import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEnvelope } from '@warden/ledger';
import { SqliteForensicIndex } from '@warden/forensic-index';
import { SqlitePayloadStore } from '@warden/payload-store';
import { ForensicsProjection } from './forensics-projection';

const ORG = 'org-1';
const id = (n: number) => `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`;

function decided(n: number, findings: unknown[] = []): EventEnvelope {
  return {
    id: id(n),
    type: 'ToolCallDecided',
    org: ORG,
    stream: 'calls-org-1-node-1',
    at: `2026-12-01T10:00:0${n}.000000Z`,
    payload: { digest: 'd' },
    data: { callId: id(n), agentId: 'agent-1', serverId: 'server-1', tool: 'echo', decision: 'allow', reasons: [], rules: [], findings },
  } as unknown as EventEnvelope;
}

/** The projection over a real index file and a real payload store: decrypted text, replay skipped by position, erasure, a failing index. */
describe('ForensicsProjection', () => {
  let dir: string;
  let payloads: SqlitePayloadStore;
  let index: SqliteForensicIndex;
  const file = () => join(dir, 'forensics.db');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-forensics-projection-'));
    payloads = new SqlitePayloadStore({ file: join(dir, 'ledger.db'), masterKey: randomBytes(32) });
    index = new SqliteForensicIndex({ file: file() });
  });
  afterEach(async () => {
    index.close();
    await payloads.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const found = (q: string) => index.search(ORG, { q }, { limit: 10 }).calls.map((c) => c.callId);

  it('indexes the decrypted arguments, leaving out what a finding names', async () => {
    await payloads.put(ORG, id(1), { note: 'alpha bravo', to: 'secretaddr@example.org' });
    const projection = new ForensicsProjection(index, payloads);
    projection.apply(decided(1, [{ detector: 'email', rule: 'r', action: 'warn', kind: 'email', path: '$.arguments.to' }]), 1);
    await projection.settled();
    expect(found('bravo')).toEqual([id(1)]);
    expect(found('secretaddr')).toEqual([]);
    expect(index.position()).toBe(1);
    expect(projection.health()).toEqual({ position: 1, queued: 0, unreadablePayloads: 0 });
  });

  it('skips what the index file already holds, and indexes an erased payload without text', async () => {
    await payloads.put(ORG, id(1), { note: 'first' });
    await payloads.put(ORG, id(2), { note: 'second' });
    const first = new ForensicsProjection(index, payloads);
    first.apply(decided(1), 1);
    await first.settled();
    await payloads.erase(ORG, id(1));
    // A restart replays from 0: the event at position 1 is not applied again (its text stays indexed until its PayloadsErased is applied).
    const again = new ForensicsProjection(index, payloads);
    again.apply(decided(1), 1);
    again.apply(decided(2), 2);
    await again.settled();
    expect(found('first')).toEqual([id(1)]);
    expect(found('second')).toEqual([id(2)]);
    // A rebuild from an empty index: the erased payload has no text any more.
    index.close();
    rmSync(file());
    index = new SqliteForensicIndex({ file: file() });
    const rebuilt = new ForensicsProjection(index, payloads);
    rebuilt.apply(decided(1), 1);
    rebuilt.apply(decided(2), 2);
    await rebuilt.settled();
    expect(found('first')).toEqual([]);
    expect(index.get(ORG, id(1))).toMatchObject({ callId: id(1) });
    expect(found('second')).toEqual([id(2)]);
  });

  it('forgets the text when a PayloadsErased event names the payload', async () => {
    await payloads.put(ORG, id(3), { note: 'charlie' });
    const projection = new ForensicsProjection(index, payloads);
    projection.apply(decided(3), 1);
    projection.apply({ id: id(9), type: 'PayloadsErased', org: ORG, stream: `erasure-${ORG}`, data: { eventIds: [id(3)], reason: 'r' } } as unknown as EventEnvelope, 2);
    await projection.settled();
    expect(found('charlie')).toEqual([]);
    expect(index.erasureOf(ORG, id(3))).toBe(id(9));
  });

  it('stops, visibly, at a write the index refuses; nothing after it is indexed', async () => {
    const projection = new ForensicsProjection(index, payloads);
    index.close(); // every write now fails
    projection.apply(decided(4), 1);
    await projection.settled();
    projection.apply(decided(5), 2);
    await projection.settled();
    index = new SqliteForensicIndex({ file: file() });
    expect(projection.health()).toMatchObject({ queued: 0, failure: expect.stringContaining('index write at position 1') });
    expect(index.position()).toBe(0);
  });

  it('indexes events that arrive turns apart in one index transaction', async () => {
    await payloads.put(ORG, id(6), { note: 'delta' });
    await payloads.put(ORG, id(7), { note: 'echo' });
    const projection = new ForensicsProjection(index, payloads);
    const written: number[] = [];
    const write = index.write.bind(index);
    index.write = (position, writes) => {
      written.push(position);
      write(position, writes);
    };
    projection.apply(decided(6), 1);
    await new Promise((resolve) => setImmediate(resolve)); // a later turn: the decision's outcome comes like this
    await new Promise((resolve) => setImmediate(resolve));
    projection.apply(decided(7), 2);
    await projection.settled();
    expect(written).toEqual([2]);
    expect(found('delta')).toEqual([id(6)]);
    expect(found('echo')).toEqual([id(7)]);
  });

  it('settles at once: a read never waits for the coalescing delay', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      await payloads.put(ORG, id(8), { note: 'foxtrot' });
      const projection = new ForensicsProjection(index, payloads);
      projection.apply(decided(8), 1);
      await projection.settled(); // the coalescing timer is fake: it never fires here
      expect(found('foxtrot')).toEqual([id(8)]);
      expect(projection.health()).toMatchObject({ position: 1, queued: 0 });
    } finally {
      jest.useRealTimers();
    }
  });
});
